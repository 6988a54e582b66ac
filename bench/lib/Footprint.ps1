# The footprint, disk, module import and base image measurements of Invoke-Benchmark.ps1.

function Get-ParentPid {
    param([int]$ProcessId)

    $stat = Get-Content "/proc/$ProcessId/stat" -Raw -ErrorAction Ignore
    if (-not $stat) {
        return 0
    }

    # The command name in field 2 may contain spaces, so fields are counted after its ')'.
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2) -split ' '
    return [int]$fields[1]
}

function Get-PidNamespace {
    # Returns the pid namespace link of a process, or null when the process has exited.
    param([string]$ProcessId)

    try {
        return [IO.FileInfo]::new("/proc/$ProcessId/ns/pid").LinkTarget
    }
    catch [IO.IOException], [UnauthorizedAccessException] {
        return $null
    }
}

function Get-ProcessMemory {
    param([int]$ProcessId)

    $line = Select-String -Path "/proc/$ProcessId/status" -Pattern '^VmRSS:\s+(\d+)' -ErrorAction Ignore
    $name = (Get-Content "/proc/$ProcessId/comm" -ErrorAction Ignore)
    $rss = if ($line) { [long]$line.Matches[0].Groups[1].Value } else { 0 }
    return [pscustomobject]@{ Pid = $ProcessId; Name = $name; RssKiB = $rss }
}

function Get-SupervisorProcesses {
    <#
    .SYNOPSIS
    Returns the processes kept around for a container: the ancestors of its first process up
    to (not including) pid 1 or this session, plus -Launcher and its descendants outside the
    container, if given.
    #>
    param(
        [int]$ContainerPid,

        [int]$Launcher
    )

    $found = [Collections.Generic.List[int]]::new()
    $current = Get-ParentPid $ContainerPid
    while ($current -gt 1 -and $current -ne $PID) {
        $found.Add($current)
        $current = Get-ParentPid $current
    }

    if ($Launcher) {
        if (-not $found.Contains($Launcher)) {
            $found.Add($Launcher)
        }

        $hostNamespace = Get-PidNamespace 'self'
        foreach ($entry in Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -Match '^\d+$') {
            $candidate = [int]$entry.Name
            $namespace = Get-PidNamespace $candidate
            if ($namespace -ne $hostNamespace) {
                continue
            }

            $ancestor = Get-ParentPid $candidate
            while ($ancestor -gt 1) {
                if ($ancestor -eq $Launcher -and -not $found.Contains($candidate)) {
                    $found.Add($candidate)
                    break
                }

                $ancestor = Get-ParentPid $ancestor
            }
        }
    }

    return @($found | ForEach-Object { Get-ProcessMemory $_ })
}

function Add-FootprintRow {
    param(
        [string]$Measure,

        [string]$Tool,

        [object[]]$Processes,

        [string]$Extra = ''
    )

    $total = ($Processes | Measure-Object -Property RssKiB -Sum).Sum
    $names = ($Processes | ForEach-Object { '{0} {1:N0} KiB' -f $_.Name, $_.RssKiB }) -join ', '
    $note = "$($Processes.Count) process(es): $names$Extra"
    Add-Row -Section 'Footprint' -Measure $Measure -Tool $Tool -Value $total -Unit 'KiB RSS' -Count 1 -Note $note
}

function Measure-Footprint {
    $bench = $script:Bench
    $attached = 'resident memory of our processes, container running attached'
    $detached = 'resident memory of our processes, container running detached'
    if (Test-Cmdlet -Name Invoke-CcRun -Section 'Footprint' -Measure $attached) {
        $container = $null
        try {
            $container = Start-CcAttached -Name bench-attached
            $session = Get-ProcessMemory $PID
            $extra = '; this PowerShell session, the user''s shell, is {0:N0} KiB and not counted' -f $session.RssKiB
            Add-FootprintRow -Measure $attached -Tool 'Cookie-Cutter' -Extra $extra `
                -Processes (Get-SupervisorProcesses -ContainerPid $container.Pid)
        }
        catch {
            Add-Row -Section 'Footprint' -Measure $attached -Tool 'Cookie-Cutter' -Note "failed: $($_.Exception.Message)"
        }
        finally {
            if ($container) {
                Stop-CcAttached $container
            }
        }
    }

    $run = Get-CcCommand Invoke-CcRun
    if ($run -and $run.Parameters.ContainsKey('Detach')) {
        try {
            $null = Invoke-CcRun -Detach -Name bench-detached $bench.SmallImage sleep 600
            $containerPid = [int](Get-Content (Join-Path $bench.Store 'containers/bench-detached/pid') -Raw).Trim()
            Add-FootprintRow -Measure $detached -Tool 'Cookie-Cutter' `
                -Processes (Get-SupervisorProcesses -ContainerPid $containerPid)
            Invoke-CcQuiet Stop-CcContainer bench-detached
            Invoke-CcQuiet Remove-CcContainer bench-detached
        }
        catch {
            Add-Row -Section 'Footprint' -Measure $detached -Tool 'Cookie-Cutter' -Note "failed: $($_.Exception.Message)"
        }
    }
    elseif ($run) {
        Add-Row -Section 'Footprint' -Measure $detached -Tool 'Cookie-Cutter' `
            -Note 'not available: Invoke-CcRun has no -Detach parameter'
    }

    Measure-BootFootprint

    if (-not (Test-Peer -Program podman -Section 'Footprint' -Measure $attached -Tool 'Podman')) {
        return
    }

    $launcher = $null
    try {
        $info = [Diagnostics.ProcessStartInfo]::new('podman')
        foreach ($argument in 'run', '--rm', '--name', 'cc-bench-attached', $bench.PodmanSmall, 'sleep', '600') {
            $info.ArgumentList.Add($argument)
        }

        $info.UseShellExecute = $false
        $info.RedirectStandardInput = $true
        $launcher = [Diagnostics.Process]::Start($info)
        $containerPid = 0
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ($containerPid -le 0 -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 100
            $text = Invoke-Native podman -ArgumentList @('inspect', '--format', '{{.State.Pid}}', 'cc-bench-attached') -AllowFailure
            [int]::TryParse($text.Trim(), [ref]$containerPid) | Out-Null
        }

        if ($containerPid -le 0) {
            throw 'podman run did not start the container within 30 seconds.'
        }

        Add-FootprintRow -Measure $attached -Tool 'Podman' `
            -Processes (Get-SupervisorProcesses -ContainerPid $containerPid -Launcher $launcher.Id)
    }
    catch {
        Add-Row -Section 'Footprint' -Measure $attached -Tool 'Podman' -Note "failed: $($_.Exception.Message)"
    }
    finally {
        $remove = @('rm', '--force', '--time', '0', 'cc-bench-attached')
        Invoke-Native podman -ArgumentList $remove -AllowFailure | Out-Null
        if ($launcher -and -not $launcher.WaitForExit(30000)) {
            $launcher.Kill()
        }
    }

    try {
        $containerPid = Start-PodmanDetached -Name cc-bench-detached
        Add-FootprintRow -Measure $detached -Tool 'Podman' -Processes (Get-SupervisorProcesses -ContainerPid $containerPid)
    }
    catch {
        Add-Row -Section 'Footprint' -Measure $detached -Tool 'Podman' -Note "failed: $($_.Exception.Message)"
    }
    finally {
        $remove = @('rm', '--force', '--time', '0', 'cc-bench-detached')
        Invoke-Native podman -ArgumentList $remove -AllowFailure | Out-Null
    }
}

function Measure-BootFootprint {
    <#
    .SYNOPSIS
    Boots the small image detached with Start-CcBoot -Detach, the module's only detached mode,
    and records the processes kept for it (systemd inside the container is not counted).
    #>
    $bench = $script:Bench
    $measure = 'resident memory of our processes, container booted detached'
    $boot = Get-CcCommand Start-CcBoot
    if (-not $boot -or -not $boot.Parameters.ContainsKey('Detach')) {
        Add-Row -Section 'Footprint' -Measure $measure -Tool 'Cookie-Cutter' `
            -Note 'not available: the module has no Start-CcBoot -Detach'
        return
    }

    $started = $false
    try {
        $stopwatch = [Diagnostics.Stopwatch]::StartNew()
        $null = Start-CcBoot -Detach -Name bench-boot $bench.SmallImage
        $stopwatch.Stop()
        $started = $true
        $pidFile = Join-Path $bench.Store 'containers/bench-boot/pid'
        $containerPid = [int](Get-Content $pidFile -Raw).Trim()
        $extra = '; Start-CcBoot -Detach took {0:N1} s until systemd reported running' -f $stopwatch.Elapsed.TotalSeconds
        Add-FootprintRow -Measure $measure -Tool 'Cookie-Cutter' -Extra $extra `
            -Processes (Get-SupervisorProcesses -ContainerPid $containerPid)
    }
    catch {
        Add-Row -Section 'Footprint' -Measure $measure -Tool 'Cookie-Cutter' -Note "failed: $($_.Exception.Message)"
    }
    finally {
        if ($started) {
            Invoke-CcQuiet Stop-CcContainer bench-boot
            Invoke-CcQuiet Remove-CcContainer bench-boot
        }
    }
}

function Get-PodmanStorageBytes {
    $podman = $script:Bench.PodmanDir
    return Get-DiskBytes @((Join-Path $podman 'storage'), (Join-Path $podman 'run'), (Join-Path $podman 'tmp'))
}

function Measure-Disk {
    $bench = $script:Bench
    $section = 'Disk'
    $perContainer = 'bytes on disk per new container (after running `true`)'
    $perVersion = 'bytes on disk per image version (FROM + RUN true)'
    if (Test-Cmdlet -Name Invoke-CcRun -Section $section -Measure $perContainer) {
        try {
            $null = Invoke-CcRun -Name bench-disk $bench.SmallImage true
            $bytes = Get-DiskBytes (Join-Path $bench.Store 'containers/bench-disk')
            Add-Row -Section $section -Measure $perContainer -Tool 'Cookie-Cutter' -Value ($bytes / 1KB) -Unit 'KiB' -Count 1
            if (Get-CcCommand Remove-CcContainer) {
                Invoke-CcQuiet Remove-CcContainer bench-disk
            }
        }
        catch {
            Add-Row -Section $section -Measure $perContainer -Tool 'Cookie-Cutter' -Note "failed: $($_.Exception.Message)"
        }
    }

    $files = Write-BuildFiles -Name version -CcBase $bench.SmallImage -PodmanBase $bench.PodmanSmall -Minimal
    if (Test-Cmdlet -Name New-CcImage -Section $section -Measure $perVersion) {
        try {
            $cache = Join-Path $bench.Store 'cache'
            $cacheBefore = Get-DiskBytes $cache
            Invoke-CcBuild -Image bench-version -Spec $files.Spec -Cold
            $cacheGrowth = (Get-DiskBytes $cache) - $cacheBefore
            $current = Get-Item (Join-Path $bench.Store 'images/bench-version/current')
            $versionBytes = Get-DiskBytes $current.ResolveLinkTarget($true).FullName
            $note = 'version folder {0:N0} KiB, build cache growth {1:N0} KiB' -f ($versionBytes / 1KB), ($cacheGrowth / 1KB)
            Add-Row -Section $section -Measure $perVersion -Tool 'Cookie-Cutter' -Value (($versionBytes + $cacheGrowth) / 1KB) `
                -Unit 'KiB' -Count 1 -Note $note
        }
        catch {
            Add-Row -Section $section -Measure $perVersion -Tool 'Cookie-Cutter' -Note "failed: $($_.Exception.Message)"
        }
    }

    if (-not (Test-Peer -Program podman -Section $section -Measure $perContainer -Tool 'Podman')) {
        return
    }

    try {
        $before = Get-PodmanStorageBytes
        Invoke-Podman @('run', '--name', 'cc-bench-disk', $bench.PodmanSmall, 'true') | Out-Null
        $after = Get-PodmanStorageBytes
        Add-Row -Section $section -Measure $perContainer -Tool 'Podman' -Value (($after - $before) / 1KB) -Unit 'KiB' -Count 1 `
            -Note 'growth of its storage, run and tmp dirs'
        Invoke-Podman @('rm', 'cc-bench-disk') | Out-Null

        $before = Get-PodmanStorageBytes
        $build = @(
            'build', '--quiet', '--no-cache', '-t', 'localhost/cc-bench-version', '-f', $files.Containerfile,
            $bench.Context)
        Invoke-Podman $build | Out-Null
        $after = Get-PodmanStorageBytes
        Add-Row -Section $section -Measure $perVersion -Tool 'Podman' -Value (($after - $before) / 1KB) -Unit 'KiB' -Count 1 `
            -Note 'growth of its storage, run and tmp dirs'
    }
    catch {
        Add-Row -Section $section -Measure $perContainer -Tool 'Podman' -Note "failed: $($_.Exception.Message)"
    }
}

function Get-PwshCommand {
    # pwsh started through `dotnet pwsh` runs as dotnet with pwsh.dll as its first argument.
    $process = [Environment]::ProcessPath
    if ((Split-Path -Leaf $process) -like 'dotnet*') {
        return @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }

    return @($process)
}

function Measure-ModuleImport {
    $section = 'Module import'
    $measure = 'Import-Module in a new pwsh process'
    if (-not $script:Bench.ModuleLoaded) {
        Add-Row -Section $section -Measure $measure -Tool 'Cookie-Cutter' -Note 'not available: the module was not imported'
        return
    }

    $pwsh = Get-PwshCommand
    $timing = "`$s = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$($script:Bench.ModulePath)'; " +
        '$s.Elapsed.TotalMilliseconds'
    $samples = [Collections.Generic.List[double]]::new()
    try {
        for ($run = 0; $run -lt $script:Bench.BuildRuns + 1; $run++) {
            $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $timing)
            $output = Invoke-Native $pwsh[0] -ArgumentList $arguments
            if ($run -gt 0) {
                $lastLine = ($output.Trim() -split "`n")[-1]
                $samples.Add([double]::Parse($lastLine, [Globalization.CultureInfo]::InvariantCulture))
            }
        }
    }
    catch {
        Add-Row -Section $section -Measure $measure -Tool 'Cookie-Cutter' -Note "failed: $($_.Exception.Message)"
        return
    }

    $values = $samples.ToArray()
    Add-Row -Section $section -Measure $measure -Tool 'Cookie-Cutter' -Value (Get-Median $values) `
        -Minimum ($values | Measure-Object -Minimum).Minimum -Maximum ($values | Measure-Object -Maximum).Maximum `
        -Count $values.Count -Note 'timed inside the new process, so pwsh start-up is not counted'
}

function Measure-BaseImage {
    <#
    .SYNOPSIS
    Bootstraps a minbase root file system of the host's Debian suite once each with mmdebstrap,
    debootstrap, New-CcBaseImage and New-CcBaseImage -UseDebootstrap, from the host's own
    mirror, and records wall time and size on disk. Error notes name the mirror MIRROR, so
    that the results page carries no host name. Each module run gets an empty store of its
    own, because New-CcBaseImage reuses an existing bootstrap image.
    #>
    $bench = $script:Bench
    $section = 'Base image'
    $mirror = Get-HostMirror
    $timeMeasure = "bootstrap $($mirror.Suite) minbase, wall time"
    $sizeMeasure = "bootstrap $($mirror.Suite) minbase, size on disk"
    foreach ($program in 'mmdebstrap', 'debootstrap') {
        if (-not (Test-Peer -Program $program -Section $section -Measure $timeMeasure -Tool $program)) {
            continue
        }

        $target = Join-Path $bench.WorkDir "base-$program"
        $arguments = @('--variant=minbase', $mirror.Suite, $target, $mirror.Uri)
        try {
            $stopwatch = [Diagnostics.Stopwatch]::StartNew()
            Invoke-Native $program -ArgumentList $arguments | Out-Null
            $stopwatch.Stop()
            Add-Row -Section $section -Measure $timeMeasure -Tool $program -Value $stopwatch.Elapsed.TotalSeconds -Unit 's' -Count 1
            Add-Row -Section $section -Measure $sizeMeasure -Tool $program -Value ((Get-DiskBytes $target) / 1MB) -Unit 'MiB' -Count 1
        }
        catch {
            $message = $_.Exception.Message.Replace($mirror.Uri, 'MIRROR')
            Add-Row -Section $section -Measure $timeMeasure -Tool $program -Note "failed: $message"
        }
    }

    if (-not (Test-Cmdlet -Name New-CcBaseImage -Section $section -Measure $timeMeasure)) {
        return
    }

    $command = Get-CcCommand New-CcBaseImage
    $variants = @([pscustomobject]@{ Tool = 'Cookie-Cutter (mmdebstrap)'; Debootstrap = $false })
    if ($command.Parameters.ContainsKey('UseDebootstrap')) {
        $variants += [pscustomobject]@{ Tool = 'Cookie-Cutter (debootstrap)'; Debootstrap = $true }
    }

    $note = 'includes its second stage: apt sources, apt-get update and upgrade, saved as a second image'
    foreach ($variant in $variants) {
        $store = Join-Path $bench.WorkDir "base-store-$([int]$variant.Debootstrap)"
        foreach ($folder in 'images/empty/diff', 'containers', 'locks', 'cache') {
            New-Item -ItemType Directory -Force -Path (Join-Path $store $folder) | Out-Null
        }

        $arguments = @{ Suite = $mirror.Suite; Mirror = $mirror.Uri }
        if ($variant.Debootstrap) {
            $arguments['UseDebootstrap'] = $true
        }

        $env:COOKIECUTTER_ROOT = $store
        try {
            $stopwatch = [Diagnostics.Stopwatch]::StartNew()
            $null = New-CcBaseImage @arguments
            $stopwatch.Stop()
            Add-Row -Section $section -Measure $timeMeasure -Tool $variant.Tool -Value $stopwatch.Elapsed.TotalSeconds `
                -Unit 's' -Count 1 -Note $note
            $bytes = Get-DiskBytes (Join-Path $store 'images')
            Add-Row -Section $section -Measure $sizeMeasure -Tool $variant.Tool -Value ($bytes / 1MB) -Unit 'MiB' -Count 1 `
                -Note 'both images'
        }
        catch {
            $message = $_.Exception.Message.Replace($mirror.Uri, 'MIRROR')
            Add-Row -Section $section -Measure $timeMeasure -Tool $variant.Tool -Note "failed: $message"
        }
        finally {
            $env:COOKIECUTTER_ROOT = $bench.Store
        }
    }
}
