#Requires -Version 7.4
<#
    Start-CcBoot, and the memory limit of Invoke-CcRun. These tests need root, systemd-nspawn,
    mmdebstrap, util-linux flock/setsid/setpriv and tmux. They use their own store
    (COOKIECUTTER_BOOT_TEST_ROOT, default /var/tmp/cc-boot-tests/store) and keep the Debian
    image with systemd, systemd-sysv, dbus and procps there between runs, because bootstrapping
    it downloads packages from the host's Debian mirror (a few minutes). The module is imported
    from COOKIECUTTER_MODULE when set, else from the repository's manifest.
#>

BeforeDiscovery {
    $tools = Get-Command systemd-nspawn, mmdebstrap, tmux -ErrorAction SilentlyContinue
    $script:skip = (id -u) -ne '0' -or @($tools).Count -lt 3
}

Describe 'Start-CcBoot' -Tag 'RequiresRoot', 'Boot' -Skip:$skip {
    BeforeAll {
        $module = $env:COOKIECUTTER_MODULE
        if (-not $module) {
            $module = Join-Path $PSScriptRoot '../../CookieCutter.psd1'
        }

        Import-Module $module -Force
        $script:modulePath = (Resolve-Path $module).Path
        $script:storeRoot = $env:COOKIECUTTER_BOOT_TEST_ROOT
        if (-not $storeRoot) {
            $script:storeRoot = '/var/tmp/cc-boot-tests/store'
        }

        $env:COOKIECUTTER_ROOT = $storeRoot
        $script:paths = [CookieCutter.Engine.Store.StorePaths]::new($storeRoot)
        $null = [CookieCutter.Engine.Host.HostSetup]::Run(
            $paths, $false, [CookieCutter.Engine.NullSink]::Instance, [Threading.CancellationToken]::None)
        $images = [CookieCutter.Engine.Store.ImageStore]::new($paths)

        function Add-TestImage([string] $Name, [scriptblock] $Fill) {
            if ($images.TryGetCurrent($Name)) {
                return
            }

            $layer = Join-Path $paths.Root ".layer-$Name"
            if (Test-Path $layer) {
                Remove-Item -Recurse -Force $layer
            }

            & $Fill $layer
            $config = [CookieCutter.Engine.Store.ImageConfig]::Empty
            $null = $images.Commit($Name, $layer, [NullString]::Value, $config)
        }

        $script:cmdletId = 'CookieCutter.PowerShell.Commands.StartCcBootCommand'
        $script:image = 'boot-systemd'
        Add-TestImage $image {
            param($layer)
            mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv,dbus,procps `
                bookworm $layer /etc/apt/sources.list.d/debian.sources
            if ($LASTEXITCODE -ne 0) { throw "mmdebstrap failed with exit code $LASTEXITCODE." }
        }

        $script:plainImage = 'boot-no-systemd'
        Add-TestImage $plainImage {
            param($layer)
            $null = New-Item -ItemType Directory -Path (Join-Path $layer 'etc')
        }

        $script:volume = Join-Path $paths.Root 'boot-volume'
        $null = New-Item -ItemType Directory -Force -Path $volume
        Set-Content -Path (Join-Path $volume 'greeting') -Value 'hello from the host'

        function Get-MountsOf([string] $Name) {
            $folder = $paths.Container($Name)
            @(Get-Content /proc/mounts | Where-Object { $_.Split(' ')[1].StartsWith($folder) })
        }

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

    Context 'detached with limits' {
        BeforeAll {
            Remove-TestContainer 'boot-main'
            $script:booted = Start-CcBoot $image -Name 'boot-main' -MachineName 'boot-host' -Detach `
                -Volume "${volume}:/data:ro" -MemoryLimit 200MB -CpuQuota 0.5
        }

        AfterAll {
            Remove-TestContainer 'boot-main'
        }

        It 'returns the running booted container' {
            $booted.Name | Should -Be 'boot-main'
            $booted.State | Should -Be 'Running'
            $booted.IsBooted | Should -BeTrue
            $booted.MachineName | Should -Be 'boot-host'
            $booted.Pid | Should -BeGreaterThan 1
        }

        It 'reports running or degraded inside' {
            $state = Invoke-CcExec 'boot-main' systemctl is-system-running
            $state | Should -BeIn 'running', 'degraded'
        }

        It 'shows only its own processes' {
            $processes = Invoke-CcExec 'boot-main' ps -A -o 'pid=,comm='
            $table = foreach ($line in $processes) {
                $fields = $line.Trim() -split '\s+', 2
                [pscustomobject]@{ Pid = [int]$fields[0]; Name = $fields[1] }
            }

            ($table | Where-Object Pid -eq 1).Name | Should -Be 'systemd'
            $table.Name | Should -Not -Contain 'pwsh'
            $table.Name | Should -Not -Contain 'systemd-nspawn'
            $members = [CookieCutter.Engine.Store.ContainerStore]::ProcessesInPidNamespace($booted.Pid)
            $hostCount = $members.Count
            $table.Count | Should -BeLessOrEqual ($hostCount + 1)
        }

        It 'mounts the volume read-only' {
            Invoke-CcExec 'boot-main' cat /data/greeting | Should -Be 'hello from the host'
            Invoke-CcExec 'boot-main' -- sh -c 'touch /data/new 2>/dev/null; echo $?' | Should -Not -Be '0'
        }

        It 'uses the machine name as hostname' {
            Invoke-CcExec 'boot-main' hostname | Should -Be 'boot-host'
        }

        It 'is listed as running and booted' {
            $listed = Get-CcContainer -Name 'boot-main'
            $listed.State | Should -Be 'Running'
            $listed.IsBooted | Should -BeTrue
            $listed.Pid | Should -Be $booted.Pid
        }

        It 'kills a service that allocates past the memory limit' {
            $cgroupLines = Get-Content "/proc/$($booted.Pid)/cgroup"
            $memory = ($cgroupLines -match '^\d+:memory:') -replace '^\d+:memory:', ''
            $oomControl = "/sys/fs/cgroup/memory$memory/memory.oom_control"
            $tooMuch = 'dd if=/dev/zero of=/dev/null bs=300M count=1 status=none'
            $enough = 'dd if=/dev/zero of=/dev/null bs=20M count=1 status=none'

            Invoke-CcExec -ErrorAction SilentlyContinue 'boot-main' -- systemd-run --wait --pipe --quiet sh -c $tooMuch
            $LASTEXITCODE | Should -Not -Be 0
            (Get-Content $oomControl) -match '^oom_kill [1-9]' | Should -Not -BeNullOrEmpty

            Invoke-CcExec 'boot-main' -- systemd-run --wait --pipe --quiet sh -c $enough
            $LASTEXITCODE | Should -Be 0
        }

        It 'sets the memory and CPU cgroup limits' {
            $lines = Get-Content "/proc/$($booted.Pid)/cgroup"
            $memory = ($lines | Where-Object { $_ -match '^\d+:memory:' }) -replace '^\d+:memory:', ''
            $cpu = ($lines | Where-Object { $_ -match '^\d+:cpu:' }) -replace '^\d+:cpu:', ''
            Get-Content "/sys/fs/cgroup/memory$memory/memory.limit_in_bytes" | Should -Be (200MB).ToString()
            Get-Content "/sys/fs/cgroup/cpu$cpu/cpu.cfs_quota_us" | Should -Be '50000'
        }

        It 'stops cleanly and leaves nothing behind' {
            $initPid = $booted.Pid
            Stop-CcContainer -Name 'boot-main'
            (Get-CcContainer -Name 'boot-main').State | Should -Not -Be 'Running'
            Get-MountsOf 'boot-main' | Should -BeNullOrEmpty
            Test-ProcessRunning $initPid | Should -BeFalse
            [CookieCutter.Engine.Run.Cgroups]::Processes($paths, 'boot-main') | Should -BeNullOrEmpty
        }
    }

    It 'reclaims a named container after systemd-nspawn was killed' {
        Remove-TestContainer 'boot-reclaim'
        $first = Start-CcBoot $image -Name 'boot-reclaim' -Detach
        $nspawn = [int](Get-Content "/proc/$($first.Pid)/stat").Split(' ')[3]
        (Get-Content "/proc/$nspawn/comm") | Should -Be 'systemd-nspawn'
        Stop-Process -Id $nspawn -Force
        Wait-Process -Id $nspawn -Timeout 10 -ErrorAction SilentlyContinue

        $second = Start-CcBoot $image -Name 'boot-reclaim' -Detach
        $second.State | Should -Be 'Running'
        $second.Pid | Should -Not -Be $first.Pid
        Test-ProcessRunning $first.Pid | Should -BeFalse

        Stop-CcContainer -Name 'boot-reclaim'
        Remove-CcContainer -Name 'boot-reclaim' -Force -Confirm:$false
        Get-MountsOf 'boot-reclaim' | Should -BeNullOrEmpty
    }

    It 'removes a detached --rm container when stopped' {
        Remove-TestContainer 'boot-rm'
        $booted = Start-CcBoot --rm --name boot-rm $image -Detach
        $booted.Name | Should -Be 'boot-rm'
        $booted.State | Should -Be 'Running'

        Stop-CcContainer -Name 'boot-rm'
        Get-CcContainer -Name 'boot-rm' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-MountsOf 'boot-rm' | Should -BeNullOrEmpty
    }

    It 'rejects a second boot of a running name' {
        Remove-TestContainer 'boot-twice'
        $null = Start-CcBoot $image -Name 'boot-twice' -Detach
        { Start-CcBoot $image -Name 'boot-twice' -Detach -ErrorAction Stop } |
            Should -Throw -ErrorId "ContainerAlreadyExists,$cmdletId"
        Remove-TestContainer 'boot-twice'
    }

    It 'fails and stops the container when the boot times out' {
        Remove-TestContainer 'boot-slow'
        $rescue = { Start-CcBoot $image -Name 'boot-slow' -Detach -Timeout 3 -ErrorAction Stop -- systemd.unit=rescue.target }
        $rescue | Should -Throw -ErrorId "BootTimeout,$cmdletId"
        (Get-CcContainer -Name 'boot-slow').State | Should -Not -Be 'Running'
        Get-MountsOf 'boot-slow' | Should -BeNullOrEmpty
        [CookieCutter.Engine.Run.Cgroups]::Processes($paths, 'boot-slow') | Should -BeNullOrEmpty
        Remove-TestContainer 'boot-slow'
    }

    It 'rejects an invalid machine name' {
        { Start-CcBoot $image -Name 'boot_underscore' -Detach -ErrorAction Stop } |
            Should -Throw -ErrorId "InvalidMachineName,$cmdletId"
        Get-CcContainer -Name 'boot_underscore' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'names systemd, systemd-sysv and dbus for an image without systemd' {
        Remove-TestContainer 'boot-plain'
        $failure = $null
        try {
            Start-CcBoot $plainImage -Name 'boot-plain' -Detach -ErrorAction Stop
        }
        catch {
            $failure = $_
        }

        $failure.FullyQualifiedErrorId | Should -Be "SystemdMissing,$cmdletId"
        $failure.Exception.Message | Should -Match 'systemd-sysv'
        $failure.Exception.Message | Should -Match 'dbus'
        Get-MountsOf 'boot-plain' | Should -BeNullOrEmpty
        Remove-TestContainer 'boot-plain'
    }

    It 'runs attached on a terminal and removes the container with --rm' {
        $session = "cc-boot-test-$PID"
        $result = Join-Path $paths.Root "attached-$PID.txt"
        Remove-Item $result -ErrorAction SilentlyContinue
        $script = Join-Path $paths.Root "attached-$PID.ps1"
        Set-Content -Path $script -Value @(
            "`$env:COOKIECUTTER_ROOT = '$storeRoot'"
            "Import-Module '$modulePath'"
            "cc-boot --rm $image -M boot-tty"
            "Set-Content -Path '$result' -Value `"exit `$LASTEXITCODE`""
        )
        tmux new-session -d -s $session -x 120 -y 40 (Join-Path $PSHOME 'pwsh') -NoProfile -File $script
        try {
            $deadline = (Get-Date).AddSeconds(60)
            do {
                Start-Sleep -Milliseconds 200
                $screen = tmux capture-pane -p -t $session
            } until (($screen -join "`n") -match 'boot-tty login:' -or (Get-Date) -gt $deadline)
            ($screen -join "`n") | Should -Match 'boot-tty login:'

            $container = Get-CcContainer | Where-Object MachineName -eq 'boot-tty'
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
            Remove-Item $result, $script -ErrorAction SilentlyContinue
        }
    }

    It 'kills a run command that allocates past -MemoryLimit' {
        $tooMuch = 'dd if=/dev/zero of=/dev/null bs=300M count=1 status=none'
        $enough = 'dd if=/dev/zero of=/dev/null bs=20M count=1 status=none'
        Invoke-CcRun -Rm -MemoryLimit 100MB -ErrorAction SilentlyContinue $image -- sh -c $tooMuch
        $LASTEXITCODE | Should -Be 137
        Invoke-CcRun -Rm -MemoryLimit 100MB $image -- sh -c $enough
        $LASTEXITCODE | Should -Be 0
    }
}
