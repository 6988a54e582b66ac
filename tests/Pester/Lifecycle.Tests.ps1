#Requires -Version 7.4
# Listing, stopping, removing, mounting and measuring containers and images.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:Image = Initialize-CcTestStore
}

Describe 'Initialize-CcHost' -Tag 'Root' {
    It 'is safe to run twice and reports what it found' {
        $first = Initialize-CcHost
        $second = cc-setup
        $second.StoreCreated | Should -BeFalse
        $second.StoreRoot | Should -Be $env:COOKIECUTTER_ROOT
        $second.OverlaySupported | Should -BeTrue
        $second.Namespaces | Should -Contain 'pid'
        $first.Bootstrapper | Should -Not -BeNullOrEmpty
        Test-Path (Join-Path $env:COOKIECUTTER_ROOT 'images/empty/diff') | Should -BeTrue
    }

    It 'makes the store readable by root only' {
        $mode = (Get-Item $env:COOKIECUTTER_ROOT).UnixFileMode
        $mode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
    }
}

Describe 'New-CcBaseImage' -Tag 'Root' {
    It 'reuses the bootstrap image on a second run and returns the new image' {
        $bootstrap = Get-CcImage -Name "$Image-bootstrap"
        $rebuilt = New-CcBaseImage -Suite $Image -Distribution Debian
        $rebuilt.Name | Should -Be $Image
        $rebuilt.IsCurrent | Should -BeTrue
        $rebuilt.Parent | Should -Be $bootstrap.Reference
        (Get-CcImage -Name "$Image-bootstrap").Version | Should -Be $bootstrap.Version
        $sources = Invoke-CcRun $rebuilt.Name cat /etc/apt/sources.list.d/cookie-cutter.list
        $sources -match " $Image main" | Should -Not -BeNullOrEmpty
        $sources -match " $Image-updates main" | Should -Not -BeNullOrEmpty
        $sources -match " $Image-security main" | Should -Not -BeNullOrEmpty
    }

    It 'asks for -Mirror when the host names none for the distribution' {
        $hostIsUbuntu = (Get-Content /etc/os-release) -contains 'ID=ubuntu'
        if ($hostIsUbuntu) { Set-ItResult -Skipped -Because 'an Ubuntu host names an Ubuntu mirror' }
        { New-CcBaseImage -Suite 'noble' -Distribution Ubuntu -ErrorAction Stop } | Should -Throw -ErrorId 'MirrorNotFound,*'
        Get-CcImage -Name 'noble*' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'leaves no half image when the bootstrap fails' {
        { New-CcBaseImage -Suite 'no-such-suite' -Distribution Debian -ErrorAction Stop } | Should -Throw -ErrorId 'BootstrapFailed,*'
        Get-CcImage -Name 'no-such-suite*' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $env:COOKIECUTTER_ROOT 'tmp') -ErrorAction SilentlyContinue).Count | Should -Be 0
        Get-CcTestMounts | Should -BeNullOrEmpty
    }
}

Describe 'Get-CcImage' -Tag 'Root' {
    It 'returns typed images with versions, sizes and dates' {
        $found = Get-CcImage -Name $Image
        $found | Should -BeOfType ([CookieCutter.Engine.Store.ImageInfo])
        $found.Version | Should -Match '^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_\d{9}\.[A-Za-z0-9]{6}$'
        $found.Size | Should -BeGreaterThan 0
        $found.LayerCount | Should -Be 3
        $found.Created | Should -BeOfType ([datetime])
        $found.IsCurrent | Should -BeTrue
    }

    It 'filters by wildcard and lists all versions' {
        @(Get-CcImage -Name "$Image*").Name | Should -Contain "$Image-bootstrap"
        @(Get-CcImage -Name $Image -AllVersions).Count | Should -BeGreaterOrEqual 1
    }

    It 'runs a NAME@VERSION reference and binds images from the pipeline' {
        $found = Get-CcImage -Name $Image
        Invoke-CcRun -Rm $found.Reference -- cat /etc/debian_version | Should -Match '^\d+'
        Get-CcImage -Name $Image | Invoke-CcRun -- echo piped | Should -Be 'piped'
    }

    It 'writes ImageNotFound for a missing name' {
        { Get-CcImage -Name 'no-such-image' -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
    }
}

Describe 'Container lifecycle' -Tag 'Root' {
    AfterEach {
        Get-CcTestMounts | Should -BeNullOrEmpty
    }

    It 'lists a container with its image, state and size' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image -- sh -c 'head -c 100000 /dev/zero > /blob'
        try {
            $container = Get-CcContainer -Name $name
            $container | Should -BeOfType ([CookieCutter.Engine.Store.ContainerInfo])
            $container.Image | Should -Be $Image
            $container.ImageVersion | Should -Be (Get-CcImage -Name $Image).Version
            $container.State | Should -Be 'Exited'
            $container.Size | Should -BeGreaterOrEqual 100000
            @(Get-CcContainer -State Exited).Name | Should -Contain $name
            @(Get-CcContainer -State Running).Name | Should -Not -Contain $name
        }
        finally {
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }

    It 'removes exited containers from the pipeline' {
        $names = 1..2 | ForEach-Object { New-CcTestName }
        $names | ForEach-Object { Invoke-CcRun -Name $_ $Image true }
        Get-CcContainer -Name $names -State Exited | Remove-CcContainer -Confirm:$false
        Get-CcContainer -Name $names -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'honours -WhatIf when removing' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image true
        Remove-CcContainer -Name $name -WhatIf
        Get-CcContainer -Name $name | Should -Not -BeNullOrEmpty
        cc-remove $name -Confirm:$false
        Get-CcContainer -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses to remove a running container unless -Force' {
        $name = New-CcTestName
        $job = Start-ThreadJob { param($n, $i, $m) Import-Module $m; Invoke-CcRun -Name $n $i sleep 60 } -ArgumentList $name, $Image, (Get-CcTestModulePath)
        try {
            Wait-CcTestContainer -Name $name | Out-Null
            (Get-CcContainer -Name $name).State | Should -Be 'Running'
            { Remove-CcContainer -Name $name -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerRunning,*'
            Remove-CcContainer -Name $name -Force -Timeout 1 -Confirm:$false
            Get-CcContainer -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally {
            $job | Wait-Job -Timeout 30 | Remove-Job -Force
        }
    }

    It 'stops a running container with TERM then KILL' {
        $name = New-CcTestName
        $job = Start-ThreadJob { param($n, $i, $m) Import-Module $m; Invoke-CcRun -Name $n $i sleep 60 -ErrorAction SilentlyContinue; $LASTEXITCODE } -ArgumentList $name, $Image, (Get-CcTestModulePath)
        try {
            Wait-CcTestContainer -Name $name | Out-Null
            $stopped = cc-stop $name -Timeout 1 -PassThru
            $stopped.State | Should -Be 'Exited'
            $stopped.IsMounted | Should -BeFalse
            $job | Wait-Job -Timeout 30 | Receive-Job | Should -Be 137
        }
        finally {
            $job | Remove-Job -Force
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }

    It 'mounts and unmounts a container root' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image -- sh -c 'echo on-disk > /note'
        try {
            $container = cc-mount $name
            $container.IsMounted | Should -BeTrue
            Get-Content (Join-Path $container.RootPath 'note') | Should -Be 'on-disk'
            Get-Content /proc/mounts | Should -Contain ((Get-Content /proc/mounts) -match [regex]::Escape($container.RootPath))[0]
            cc-umount $name
            (Get-CcContainer -Name $name).IsMounted | Should -BeFalse
        }
        finally {
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }

    It 'reports disk usage per container and image version' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image -- sh -c 'head -c 200000 /dev/zero > /blob'
        try {
            $usage = cc-df
            $entry = $usage | Where-Object { $_.Kind -eq 'Container' -and $_.Name -eq $name }
            $entry.Size | Should -BeGreaterOrEqual 200000
            $imageEntry = $usage | Where-Object { $_.Kind -eq 'Image' -and $_.Name -eq $Image }
            $imageEntry.Version | Should -Contain (Get-CcImage -Name $Image).Version
        }
        finally {
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }
}

Describe 'Interactive runs' -Tag 'Root' {
    It 'gives a working login shell under a terminal' -Skip:(-not (Get-Command tmux -ErrorAction SilentlyContinue)) {
        $session = New-CcTestName 'tmux'
        $repository = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
        $command = "cd '$repository' && COOKIECUTTER_ROOT='$env:COOKIECUTTER_ROOT' dotnet pwsh -NoProfile -c `"Import-Module ./CookieCutter.psd1; cc-run --rm $Image bash -l`""
        tmux new-session -d -s $session -x 200 -y 50 $command
        try {
            $deadline = (Get-Date).AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 500
                $screen = tmux capture-pane -p -t $session
            } until (($screen -join "`n") -match '#\s*$' -or (Get-Date) -gt $deadline)
            tmux send-keys -t $session 'echo inside-$((6*7)) && cat /etc/debian_chroot' Enter
            $deadline = (Get-Date).AddSeconds(20)
            do {
                Start-Sleep -Milliseconds 300
                $screen = (tmux capture-pane -p -t $session) -join "`n"
            } until ($screen -match 'inside-42' -or (Get-Date) -gt $deadline)
            $screen | Should -Match 'inside-42'
            tmux send-keys -t $session 'exit' Enter
            Start-Sleep -Seconds 2
        }
        finally {
            tmux kill-session -t $session 2>$null
        }
        Get-CcTestMounts | Should -BeNullOrEmpty
    }
}
