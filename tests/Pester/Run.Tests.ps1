#Requires -Version 7.4
# Behaviour of Invoke-CcRun (cc-run) on a real Debian base image, as root.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:Image = Initialize-CcTestStore
}

Describe 'Invoke-CcRun' -Tag 'Root' {
    AfterEach {
        Get-CcTestMounts | Should -BeNullOrEmpty
    }

    It 'prints Hello World through the classic alias' {
        cc-run --rm $Image echo 'Hello World' | Should -Be 'Hello World'
    }

    It 'sends stdout lines down the pipeline' {
        $lines = Invoke-CcRun $Image cat /etc/os-release | Select-String '^ID='
        $lines.Line | Should -Be 'ID=debian'
    }

    It 'captures output in a variable' {
        $x = cc-run --rm $Image echo hi
        $x | Should -Be 'hi'
    }

    It 'passes empty strings unchanged' {
        $output = Invoke-CcRun $Image -- sh -c 'printf "[%s]" "$@"' sh a '' b
        $output | Should -Be '[a][][b]'
    }

    It 'reports exit code <Code>' -TestCases @(
        @{ Code = 0 }, @{ Code = 1 }, @{ Code = 3 }
    ) {
        Invoke-CcRun -ErrorAction SilentlyContinue -ErrorVariable failure $Image -- sh -c "exit $Code"
        $LASTEXITCODE | Should -Be $Code
        if ($Code -eq 0) { $failure | Should -BeNullOrEmpty }
        else { $failure[0].FullyQualifiedErrorId | Should -BeLike 'ContainerCommandFailed,*' }
    }

    It 'reports 137 for a command killed by SIGKILL' {
        Invoke-CcRun -ErrorAction SilentlyContinue $Image -- sh -c 'sh -c "kill -9 \$\$"; exit $?'
        $LASTEXITCODE | Should -Be 137
    }

    It 'stops a provisioning script with -ErrorAction Stop' {
        { Invoke-CcRun -ErrorAction Stop $Image -- false } | Should -Throw -ErrorId 'ContainerCommandFailed,*'
    }

    It 'runs as the given user' {
        Invoke-CcRun $Image runuser -u daemon whoami | Should -Be 'daemon'
        Invoke-CcRun $Image -User daemon -- id -un | Should -Be 'daemon'
    }

    It 'lets the container write its own root' {
        Invoke-CcRun $Image -- sh -c 'echo data > /written && cat /written' | Should -Be 'data'
    }

    It 'shows only the container process in ps' {
        $processes = Invoke-CcRun $Image ps -A -o pid=,comm=
        @($processes).Count | Should -Be 1
        $processes.Trim() | Should -Be '1 ps'
    }

    It 'uses the container name as host name' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name -Rm $Image hostname | Should -Be $name
    }

    It 'starts with a clean environment' {
        $env:CC_TEST_LEAK = 'leak'
        try {
            $environment = Invoke-CcRun $Image env
            $environment | Should -Contain 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
            $environment -match 'CC_TEST_LEAK' | Should -BeNullOrEmpty
            Invoke-CcRun $Image -Environment @{ GREETING = 'hello there' } -- sh -c 'echo $GREETING' | Should -Be 'hello there'
        }
        finally { Remove-Item Env:CC_TEST_LEAK }
    }

    It 'sets the working directory' {
        Invoke-CcRun -WorkingDirectory /tmp $Image pwd | Should -Be '/tmp'
        Invoke-CcRun $Image -WorkingDirectory /tmp -- pwd | Should -Be '/tmp'
    }

    It 'leaves a named container with nothing mounted' {
        $name = New-CcTestName
        cc-run --name $name $Image echo hello world | Should -Be 'hello world'
        $container = Get-CcContainer -Name $name
        $container.State | Should -Be 'Exited'
        $container.ExitCode | Should -Be 0
        $container.IsMounted | Should -BeFalse
        Test-Path (Join-Path $container.Path 'diff') | Should -BeTrue
        Remove-CcContainer -Name $name -Confirm:$false
        Test-Path $container.Path | Should -BeFalse
    }

    It 'reclaims a finished container of the same name' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image -- sh -c 'echo first > /marker'
        Invoke-CcRun -Name $name $Image -- sh -c 'cat /marker 2>/dev/null || echo fresh' | Should -Be 'fresh'
        Remove-CcContainer -Name $name -Confirm:$false
    }

    It 'rejects a second run of a running container' {
        $name = New-CcTestName
        $job = Start-ThreadJob { param($n, $i, $m) Import-Module $m; Invoke-CcRun -Name $n $i sleep 30 } -ArgumentList $name, $Image, (Get-CcTestModulePath)
        try {
            Wait-CcTestContainer -Name $name | Out-Null
            $errors = @()
            Invoke-CcRun -Name $name $Image true -ErrorAction SilentlyContinue -ErrorVariable errors
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'ContainerAlreadyExists,*'
            (Get-CcContainer -Name $name).State | Should -Be 'Running'
        }
        finally {
            Stop-CcContainer -Name $name -Timeout 1 -Confirm:$false
            $job | Wait-Job -Timeout 30 | Remove-Job -Force
            Remove-CcContainer -Name $name -Confirm:$false -ErrorAction SilentlyContinue
        }
        Get-CcContainer -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports 137 when a named container is killed from outside' {
        $name = New-CcTestName
        $job = Start-ThreadJob { param($n, $i, $m) Import-Module $m; Invoke-CcRun -ErrorAction SilentlyContinue -Name $n $i sleep 30; $LASTEXITCODE } -ArgumentList $name, $Image, (Get-CcTestModulePath)
        try {
            Wait-CcTestContainer -Name $name | Out-Null
            $pidOfContainer = (Get-CcContainer -Name $name).Pid
            & kill -KILL $pidOfContainer
            $job | Wait-Job -Timeout 30 | Receive-Job | Should -Be 137
            (Get-CcContainer -Name $name).ExitCode | Should -Be 137
        }
        finally {
            $job | Remove-Job -Force
            Remove-CcContainer -Name $name -Force -Confirm:$false
        }
    }

    It 'passes a full parameter name after the image to the command' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image -- sh -c 'echo precious > /root/data'
        try {
            $found = Invoke-CcRun $Image find /root -maxdepth 1 -name $name
            $found | Should -BeNullOrEmpty
            Invoke-CcExec $name cat /root/data | Should -Be 'precious'
            Invoke-CcRun $Image find / -maxdepth 1 -name etc | Should -Be '/etc'
        }
        finally {
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }

    It 'runs an image of 60 layers' {
        $paths = [CookieCutter.Engine.Store.StorePaths]::new($env:COOKIECUTTER_ROOT)
        $images = [CookieCutter.Engine.Store.ImageStore]::new($paths)
        $name = New-CcTestName 'deep'
        $parent = (Get-CcImage -Name $Image).Path
        foreach ($index in 1..57) {
            $layer = Join-Path $env:COOKIECUTTER_ROOT "tmp/$name-$index"
            New-Item -ItemType Directory -Force -Path (Join-Path $layer 'etc/deep') | Out-Null
            Set-Content -Path (Join-Path $layer "etc/deep/$index") -Value $index
            $parent = $images.Commit($name, $layer, $parent, [CookieCutter.Engine.Store.ImageConfig]::Empty).Path
        }
        try {
            (Get-CcImage -Name $name).LayerCount | Should -Be 60
            Invoke-CcRun -Rm $name -- sh -c 'ls /etc/deep | wc -l' | Should -Be '57'
        }
        finally {
            Remove-CcImage -Name $name -Force -Confirm:$false
        }
    }

    It 'gives ImageNotFound and leaves nothing for a missing image' {
        $before = @(Get-ChildItem (Join-Path $env:COOKIECUTTER_ROOT 'containers')).Count
        { cc-run --rm no-such-image true -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,*'
        @(Get-ChildItem (Join-Path $env:COOKIECUTTER_ROOT 'containers')).Count | Should -Be $before
    }

    It 'removes a --rm container on success and on failure' {
        $name = New-CcTestName
        cc-run --rm --name $name $Image true
        Test-Path (Join-Path $env:COOKIECUTTER_ROOT "containers/$name") | Should -BeFalse
        cc-run --rm --name $name $Image false -ErrorAction SilentlyContinue
        $LASTEXITCODE | Should -Be 1
        Test-Path (Join-Path $env:COOKIECUTTER_ROOT "containers/$name") | Should -BeFalse
    }

    It 'returns the container with -PassThru' {
        $name = New-CcTestName
        $container = Invoke-CcRun -Name $name -PassThru $Image -- sh -c 'exit 0'
        $container.Name | Should -Be $name
        $container.ExitCode | Should -Be 0
        $container.Image | Should -Be $Image
        Remove-CcContainer -Name $name -Confirm:$false
    }
}

Describe 'Invoke-CcRun volumes' -Tag 'Root' {
    AfterEach {
        Get-CcTestMounts | Should -BeNullOrEmpty
    }

    BeforeAll {
        $script:HostFolder = Join-Path ([IO.Path]::GetTempPath()) (New-CcTestName 'volume')
        New-Item -ItemType Directory -Path $HostFolder | Out-Null
        Set-Content -Path (Join-Path $HostFolder 'hello.txt') -Value 'from host'
        $script:HostFile = Join-Path $HostFolder 'single.conf'
        Set-Content -Path $HostFile -Value 'setting=1'
    }

    AfterAll {
        Remove-Item -Recurse -Force $HostFolder
    }

    It 'mounts a directory' {
        cc-run --rm -v "${HostFolder}:/data" $Image cat /data/hello.txt | Should -Be 'from host'
        Invoke-CcRun $Image -Volume "${HostFolder}:/data" -- sh -c 'echo back > /data/written'
        Get-Content (Join-Path $HostFolder 'written') | Should -Be 'back'
    }

    It 'mounts a single file' {
        Invoke-CcRun -Volume "${HostFile}:/etc/single.conf" $Image cat /etc/single.conf | Should -Be 'setting=1'
    }

    It 'mounts read-only' {
        Invoke-CcRun -ErrorAction SilentlyContinue $Image -Volume "${HostFolder}:/data:ro" -- sh -c 'echo x > /data/nope' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        Test-Path (Join-Path $HostFolder 'nope') | Should -BeFalse
    }

    It 'rejects a missing host path before mounting' {
        { Invoke-CcRun -Volume '/no/such/path:/data' $Image true -ErrorAction Stop } | Should -Throw -ErrorId 'VolumeSourceNotFound,*'
    }

    It 'rejects a relative or escaping container path' {
        { Invoke-CcRun -Volume "${HostFolder}:data" $Image true -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidVolume,*'
        { Invoke-CcRun -Volume "${HostFolder}:/../../etc" $Image true -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidVolume,*'
    }

    It 'asks for the -- form when a parameter after the image cannot be recovered' {
        { Invoke-CcRun $Image -Volume "${HostFolder}:/data" true -ErrorAction Stop } | Should -Throw -ErrorId 'AmbiguousContainerArgument,*'
    }
}

Describe 'Container command lines' -Tag 'Root' {
    AfterEach {
        Get-CcTestMounts | Should -BeNullOrEmpty
    }

    It 'runs <Line> exactly or asks for the -- form' -TestCases @(
        @{ Line = "sh -c 'echo hi'"; Expected = 'hi' }
        @{ Line = 'echo -n hi'; Expected = 'hi' }
        @{ Line = 'ls -la /etc/hostname'; Expected = '*/etc/hostname' }
        @{ Line = 'ps -A -o pid,args'; Expected = '*PID*' }
        @{ Line = "bash -lc 'echo `$0'"; Expected = 'bash' }
        @{ Line = 'env -i A=1 env'; Expected = 'A=1' }
    ) {
        foreach ($form in "Invoke-CcRun $Image $Line", "Invoke-CcRun $Image -- $Line", "cc-run --rm $Image $Line") {
            $result = $null
            try {
                $result = Invoke-Expression $form -ErrorAction Stop 2>&1
            }
            catch {
                $_.Exception.Message | Should -BeLike '*--*'
                continue
            }
            @($result)[0] | Should -BeLike $Expected -Because "'$form' should run exactly that command"
        }
    }
}
