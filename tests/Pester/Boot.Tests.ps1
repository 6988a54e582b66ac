#Requires -Version 7.4
# Behaviour of Start-CcBoot (cc-boot) and of the memory limit of Invoke-CcRun, as root. Needs
# systemd-nspawn and tmux. The image with systemd, systemd-sysv and dbus is built once from the
# shared Debian base image and kept in the test store, like the base image.

BeforeDiscovery {
    $tools = Get-Command systemd-nspawn, tmux -ErrorAction SilentlyContinue
    $script:skip = (id -u) -ne '0' -or @($tools).Count -lt 2
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:BaseImage = Initialize-CcTestStore
    $script:CmdletId = 'CookieCutter.PowerShell.Commands.StartCcBootCommand'
    $script:Store = [CookieCutter.Engine.Store.StorePaths]::new($env:COOKIECUTTER_ROOT)
    $script:Image = "$BaseImage-systemd"

    $testRoot = Split-Path -Parent $env:COOKIECUTTER_ROOT
    $lock = Join-Path $testRoot 'boot-image.lock'
    $stream = $null
    while (-not $stream) {
        try { $stream = [IO.File]::Open($lock, 'OpenOrCreate', 'ReadWrite', 'None') }
        catch [IO.IOException] { Start-Sleep -Milliseconds 200 }
    }

    try {
        if (-not (Get-CcImage -Name $Image -ErrorAction SilentlyContinue)) {
            $folder = Join-Path $TestDrive 'boot-image'
            $null = New-Item -ItemType Directory -Force -Path $folder
            $spec = Join-Path $folder 'systemd.ccspec'
            Set-Content -Path $spec -Value @(
                "FROM $BaseImage"
                'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y systemd systemd-sysv dbus && apt-get clean'
            )
            $null = New-CcImage $Image $spec $folder -Quiet
        }
    }
    finally {
        $stream.Dispose()
    }

    $script:Volume = Join-Path $TestDrive 'volume'
    $null = New-Item -ItemType Directory -Force -Path $Volume
    Set-Content -Path (Join-Path $Volume 'greeting') -Value 'hello from the host'

    # Returns the mount points below one container's folder.
    function Get-MountsOf([string] $Name) {
        $folder = $Store.Container($Name)
        @(Get-Content /proc/mounts | Where-Object { $_.Split(' ')[1].StartsWith($folder) })
    }

    # Returns whether a process exists and is not a zombie waiting for its parent.
    function Test-ProcessRunning([int] $ProcessId) {
        $stat = Get-Content "/proc/$ProcessId/stat" -ErrorAction SilentlyContinue
        return $null -ne $stat -and $stat -notmatch '^\d+ \(.*\) Z '
    }

    function Remove-TestContainer([string] $Name) {
        if (Get-CcContainer -Name $Name -ErrorAction SilentlyContinue) {
            Stop-CcContainer -Name $Name -ErrorAction SilentlyContinue
            Remove-CcContainer -Name $Name -Force -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Start-CcBoot' -Tag 'Root', 'Boot' -Skip:$skip {
    Context 'detached with limits' {
        BeforeAll {
            $script:Name = New-CcTestName 'boot'
            $script:MachineName = New-CcTestName 'host'
            $script:Booted = Start-CcBoot $Image -Name $Name -MachineName $MachineName -Detach `
                -Volume "${Volume}:/data:ro" -MemoryLimit 200MB -CpuQuota 0.5
        }

        AfterAll {
            Remove-TestContainer $Name
        }

        It 'returns the running booted container' {
            $Booted.Name | Should -Be $Name
            $Booted.State | Should -Be 'Running'
            $Booted.IsBooted | Should -BeTrue
            $Booted.MachineName | Should -Be $MachineName
            $Booted.Pid | Should -BeGreaterThan 1
        }

        It 'reports running or degraded inside' {
            Invoke-CcExec $Name systemctl is-system-running | Should -BeIn 'running', 'degraded'
        }

        It 'shows only its own processes' {
            $processes = Invoke-CcExec $Name ps -A -o 'pid=,comm='
            $table = foreach ($line in $processes) {
                $fields = $line.Trim() -split '\s+', 2
                [pscustomobject]@{ Pid = [int]$fields[0]; Name = $fields[1] }
            }

            ($table | Where-Object Pid -eq 1).Name | Should -Be 'systemd'
            $table.Name | Should -Not -Contain 'pwsh'
            $table.Name | Should -Not -Contain 'systemd-nspawn'
            $members = [CookieCutter.Engine.Store.ContainerStore]::ProcessesInPidNamespace($Booted.Pid)
            $table.Count | Should -BeLessOrEqual ($members.Count + 1)
        }

        It 'mounts the volume read-only' {
            Invoke-CcExec $Name cat /data/greeting | Should -Be 'hello from the host'
            Invoke-CcExec $Name -- sh -c 'touch /data/new 2>/dev/null; echo $?' | Should -Not -Be '0'
        }

        It 'uses the machine name as hostname' {
            Invoke-CcExec $Name hostname | Should -Be $MachineName
        }

        It 'is listed as running and booted' {
            $listed = Get-CcContainer -Name $Name
            $listed.State | Should -Be 'Running'
            $listed.IsBooted | Should -BeTrue
            $listed.Pid | Should -Be $Booted.Pid
        }

        It 'kills a service that allocates past the memory limit' {
            $cgroupLines = Get-Content "/proc/$($Booted.Pid)/cgroup"
            $memory = ($cgroupLines -match '^\d+:memory:') -replace '^\d+:memory:', ''
            $oomControl = "/sys/fs/cgroup/memory$memory/memory.oom_control"
            $tooMuch = 'dd if=/dev/zero of=/dev/null bs=300M count=1 status=none'
            $enough = 'dd if=/dev/zero of=/dev/null bs=20M count=1 status=none'

            Invoke-CcExec -ErrorAction SilentlyContinue $Name -- systemd-run --wait --pipe --quiet sh -c $tooMuch
            $LASTEXITCODE | Should -Not -Be 0
            (Get-Content $oomControl) -match '^oom_kill [1-9]' | Should -Not -BeNullOrEmpty

            Invoke-CcExec $Name -- systemd-run --wait --pipe --quiet sh -c $enough
            $LASTEXITCODE | Should -Be 0
        }

        It 'sets the memory and CPU cgroup limits' {
            $lines = Get-Content "/proc/$($Booted.Pid)/cgroup"
            $memory = ($lines -match '^\d+:memory:') -replace '^\d+:memory:', ''
            $cpu = ($lines -match '^\d+:cpu:') -replace '^\d+:cpu:', ''
            Get-Content "/sys/fs/cgroup/memory$memory/memory.limit_in_bytes" | Should -Be (200MB).ToString()
            Get-Content "/sys/fs/cgroup/cpu$cpu/cpu.cfs_quota_us" | Should -Be '50000'
        }

        It 'stops cleanly and leaves nothing behind' {
            Stop-CcContainer -Name $Name
            (Get-CcContainer -Name $Name).State | Should -Not -Be 'Running'
            Get-MountsOf $Name | Should -BeNullOrEmpty
            Test-ProcessRunning $Booted.Pid | Should -BeFalse
            [CookieCutter.Engine.Run.Cgroups]::Processes($Store, $Name) | Should -BeNullOrEmpty
        }
    }

    It 'reclaims a named container after systemd-nspawn was killed' {
        $name = New-CcTestName 'boot'
        $first = Start-CcBoot $Image -Name $name -Detach
        $nspawn = [int](Get-Content "/proc/$($first.Pid)/stat").Split(' ')[3]
        Get-Content "/proc/$nspawn/comm" | Should -Be 'systemd-nspawn'
        Stop-Process -Id $nspawn -Force
        Wait-Process -Id $nspawn -Timeout 10 -ErrorAction SilentlyContinue

        $second = Start-CcBoot $Image -Name $name -Detach
        $second.State | Should -Be 'Running'
        $second.Pid | Should -Not -Be $first.Pid
        Test-ProcessRunning $first.Pid | Should -BeFalse

        Stop-CcContainer -Name $name
        Remove-CcContainer -Name $name -Force -Confirm:$false
        Get-MountsOf $name | Should -BeNullOrEmpty
    }

    It 'removes a detached --rm container when stopped' {
        $name = New-CcTestName 'boot'
        $booted = Start-CcBoot --rm --name $name $Image -Detach
        $booted.Name | Should -Be $name
        $booted.State | Should -Be 'Running'

        Stop-CcContainer -Name $name
        Get-CcContainer -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-MountsOf $name | Should -BeNullOrEmpty
    }

    It 'rejects a second boot of a running name' {
        $name = New-CcTestName 'boot'
        $null = Start-CcBoot $Image -Name $name -Detach
        try {
            { Start-CcBoot $Image -Name $name -Detach -ErrorAction Stop } |
                Should -Throw -ErrorId "ContainerAlreadyExists,$CmdletId"
        }
        finally {
            Remove-TestContainer $name
        }
    }

    It 'fails and stops the container when the boot times out' {
        $name = New-CcTestName 'boot'
        $rescue = { Start-CcBoot $Image -Name $name -Detach -Timeout 3 -ErrorAction Stop -- systemd.unit=rescue.target }
        $rescue | Should -Throw -ErrorId "BootTimeout,$CmdletId"
        Get-CcContainer -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because 'a container whose boot failed is removed'
        Get-MountsOf $name | Should -BeNullOrEmpty
        [CookieCutter.Engine.Run.Cgroups]::Processes($Store, $name) | Should -BeNullOrEmpty
        Remove-TestContainer $name
    }

    It 'stops the container on Ctrl+C during a detached boot' {
        $name = New-CcTestName 'boot'
        $session = "cc-boot-cancel-$PID"
        $result = Join-Path $TestDrive 'cancelled.txt'
        $script = Join-Path $TestDrive 'cancel.ps1'
        Set-Content -Path $script -Value @(
            "`$env:COOKIECUTTER_ROOT = '$env:COOKIECUTTER_ROOT'"
            "Import-Module '$(Get-CcTestModulePath)'"
            "try { Start-CcBoot $Image -Name $name -Detach -Timeout 120 -Verbose -- systemd.unit=rescue.target }"
            "finally { Set-Content -Path '$result' -Value 'returned' }"
        )
        tmux new-session -d -s $session -x 200 -y 50 (Join-Path $PSHOME 'pwsh') -NoProfile -File $script
        try {
            $deadline = (Get-Date).AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 200
                $screen = (tmux capture-pane -p -t $session) -join ''
            } until ($screen -match "system state is 'maintenance'" -or (Get-Date) -gt $deadline)
            $screen | Should -Match "system state is 'maintenance'"

            tmux send-keys -t $session C-c
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (Test-Path $result) -and (Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }

            Get-Content $result | Should -Be 'returned'
            Get-CcContainer -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because 'a container whose boot was stopped is removed'
            Get-MountsOf $name | Should -BeNullOrEmpty
            [CookieCutter.Engine.Run.Cgroups]::Processes($Store, $name) | Should -BeNullOrEmpty
        }
        finally {
            tmux kill-session -t $session 2>$null
            Remove-TestContainer $name
        }
    }

    It 'rejects an invalid machine name' {
        { Start-CcBoot $Image -Name 'boot_underscore' -Detach -ErrorAction Stop } |
            Should -Throw -ErrorId "InvalidMachineName,$CmdletId"
        Get-CcContainer -Name 'boot_underscore' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'names systemd, systemd-sysv and dbus for an image without systemd' {
        $name = New-CcTestName 'boot'
        $failure = $null
        try {
            Start-CcBoot $BaseImage -Name $name -Detach -ErrorAction Stop
        }
        catch {
            $failure = $_
        }

        $failure.FullyQualifiedErrorId | Should -Be "SystemdMissing,$CmdletId"
        $failure.Exception.Message | Should -Match 'systemd-sysv'
        $failure.Exception.Message | Should -Match 'dbus'
        Get-MountsOf $name | Should -BeNullOrEmpty
        Remove-TestContainer $name
    }

    It 'runs attached on a terminal and removes the container with --rm' {
        $machine = New-CcTestName 'tty'
        $session = "cc-boot-test-$PID"
        $result = Join-Path $TestDrive 'attached.txt'
        $script = Join-Path $TestDrive 'attached.ps1'
        Set-Content -Path $script -Value @(
            "`$env:COOKIECUTTER_ROOT = '$env:COOKIECUTTER_ROOT'"
            "Import-Module '$(Get-CcTestModulePath)'"
            "cc-boot --rm $Image -M $machine"
            "Set-Content -Path '$result' -Value `"exit `$LASTEXITCODE`""
        )
        tmux new-session -d -s $session -x 120 -y 40 (Join-Path $PSHOME 'pwsh') -NoProfile -File $script
        try {
            $deadline = (Get-Date).AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 200
                $screen = (tmux capture-pane -p -t $session) -join "`n"
            } until ($screen -match "$machine login:" -or (Get-Date) -gt $deadline)
            $screen | Should -Match "$machine login:"

            $container = Get-CcContainer | Where-Object MachineName -eq $machine
            $container.State | Should -Be 'Running'
            Stop-CcContainer -Name $container.Name

            $deadline = (Get-Date).AddSeconds(30)
            while (-not (Test-Path $result) -and (Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }

            Get-Content $result | Should -Be 'exit 0'
            Get-CcContainer -Name $container.Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Get-MountsOf $container.Name | Should -BeNullOrEmpty
        }
        finally {
            tmux kill-session -t $session 2>$null
        }
    }
}

Describe 'Invoke-CcRun -MemoryLimit' -Tag 'Root', 'Boot' -Skip:$skip {
    It 'kills a command that allocates past the limit' {
        $tooMuch = 'dd if=/dev/zero of=/dev/null bs=300M count=1 status=none'
        $enough = 'dd if=/dev/zero of=/dev/null bs=20M count=1 status=none'
        Invoke-CcRun -Rm -MemoryLimit 100MB -ErrorAction SilentlyContinue $BaseImage -- sh -c $tooMuch
        $LASTEXITCODE | Should -Be 137
        Invoke-CcRun -Rm -MemoryLimit 100MB $BaseImage -- sh -c $enough
        $LASTEXITCODE | Should -Be 0
    }
}
