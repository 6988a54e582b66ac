#Requires -Version 7.4
# The Quick Start of the original Cookie-Cutter README, run line by line as written, with the
# host's Debian suite in place of xenial.

BeforeDiscovery {
    $script:skip = -not (Get-Command systemd-nspawn -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:Suite = Initialize-CcTestStore
    $script:WorkFolder = Join-Path $TestDrive 'quick-start'
    New-Item -ItemType Directory -Path (Join-Path $WorkFolder 'build-context') -Force | Out-Null
    Set-Content -Path (Join-Path $WorkFolder 'build-context/index.txt') -Value 'my app'
    Set-Content -Path (Join-Path $WorkFolder 'my-app.ccspec') -Value @(
        "FROM $Suite"
        'RUN apt-get update'
        'RUN apt-get install hello'
        'COPY . /srv/my-app'
    )
    # The same RUN line as the boot tests' image, so the step cache can serve it.
    Set-Content -Path (Join-Path $WorkFolder 'with-dbus.ccspec') -Value @(
        "FROM $Suite"
        'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y systemd systemd-sysv dbus && apt-get clean'
    )

    function Remove-QuickStartObjects {
        Get-CcContainer -ErrorAction SilentlyContinue |
            Where-Object { $_.Name -eq 'my-container' -or $_.MachineName -eq 'my-container' } |
            Remove-CcContainer -Force -Confirm:$false -ErrorAction SilentlyContinue
        foreach ($image in 'my-image', 'my-image-with-dbus') {
            if (Get-CcImage -Name $image -ErrorAction SilentlyContinue) {
                Remove-CcImage -Name $image -Force -Confirm:$false
            }
        }
    }

    Remove-QuickStartObjects
    Push-Location $WorkFolder
}

AfterAll {
    Pop-Location
    Remove-QuickStartObjects
    Get-CcTestMounts | Should -BeNullOrEmpty
}

Describe 'The classic Quick Start' -Tag 'Root', 'QuickStart' {
    It 'cc-setup' {
        $report = cc-setup
        $report.StoreRoot | Should -Be $env:COOKIECUTTER_ROOT
    }

    It 'cc-build-ubuntu-image SUITE' {
        $image = cc-build-ubuntu-image $Suite
        $image.Name | Should -Be $Suite
        (Get-CcImage -Name "$Suite-bootstrap").Name | Should -Be "$Suite-bootstrap"
    }

    It 'cc-build my-image my-app.ccspec build-context/' {
        $image = cc-build my-image my-app.ccspec build-context/ -Quiet
        $image.Name | Should -Be 'my-image'
        Invoke-CcRun -Rm my-image cat /srv/my-app/index.txt | Should -Be 'my app'
        Invoke-CcRun -Rm my-image hello | Should -Be 'Hello, world!'
    }

    It 'cc-run --name my-container my-image echo hello world' {
        cc-run --name my-container my-image echo hello world | Should -Be 'hello world'
        (Get-CcContainer -Name my-container).State | Should -Be 'Exited'
    }

    It 'cc-run --rm my-image bash -l' {
        $output = cc-run --rm my-image bash -l
        $LASTEXITCODE | Should -Be 0
        $output | Should -BeNullOrEmpty
    }

    It 'cc-boot --rm my-image-with-dbus -M my-container' -Skip:$skip {
        New-CcImage my-image-with-dbus (Join-Path $WorkFolder 'with-dbus.ccspec') $WorkFolder -Quiet | Out-Null
        $job = Start-ThreadJob {
            param($module, $folder)
            Import-Module $module
            Set-Location $folder
            cc-boot --rm my-image-with-dbus -M my-container
        } -ArgumentList (Get-CcTestModulePath), $WorkFolder
        try {
            $deadline = (Get-Date).AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 250
                $booted = Get-CcContainer -ErrorAction SilentlyContinue | Where-Object { $_.MachineName -eq 'my-container' -and $_.State -eq 'Running' }
            } until ($booted -or (Get-Date) -gt $deadline)
            $booted | Should -Not -BeNullOrEmpty
            $booted.IsBooted | Should -BeTrue
            $deadline = (Get-Date).AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 500
                $state = Invoke-CcExec $booted.Name systemctl is-system-running -ErrorAction SilentlyContinue
            } until ($state -in 'running', 'degraded' -or (Get-Date) -gt $deadline)
            $state | Should -BeIn 'running', 'degraded'
            Invoke-CcExec $booted.Name hostname | Should -Be 'my-container'
            Stop-CcContainer -Name $booted.Name
            $job | Wait-Job -Timeout 60 | Out-Null
            $job.State | Should -Be 'Completed'
            Get-CcContainer -Name $booted.Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally {
            $job | Remove-Job -Force
        }
    }
}
