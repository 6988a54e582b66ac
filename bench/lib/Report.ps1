# The markdown page of Invoke-Benchmark.ps1: machine, versions, result tables and targets.

$script:Invariant = [Globalization.CultureInfo]::InvariantCulture

function Format-Number {
    param(
        [Nullable[double]]$Value,

        [string]$Unit
    )

    if ($null -eq $Value) {
        return ''
    }

    $format = if ($Unit -like 'KiB*') { '{0:N0}' } else { '{0:N1}' }
    return [string]::Format($script:Invariant, $format, $Value)
}

function Get-ToolVersion {
    param(
        [string]$Program,

        [string[]]$ArgumentList = @('--version')
    )

    if (-not (Get-Command $Program -CommandType Application -ErrorAction Ignore)) {
        return 'not installed'
    }

    $output = Invoke-Native $Program -ArgumentList $ArgumentList -AllowFailure
    return ($output.Trim() -split "`n")[0].Trim()
}

function Get-PackageVersion {
    param([string]$Package)

    $output = Invoke-Native dpkg-query -ArgumentList @('-W', '-f', '${Version}', $Package) -AllowFailure
    if ($output) {
        return "$Package $output"
    }

    return 'not installed'
}

function Get-MachineFacts {
    <#
    .SYNOPSIS
    Returns the machine, operating system and tool versions for the results page, read before
    the measurements start.
    #>
    $cpu = (Select-String -Path /proc/cpuinfo -Pattern '^model name\s*:\s*(.+)$' | Select-Object -First 1)
    $cpuName = if ($cpu) { $cpu.Matches[0].Groups[1].Value.Trim() } else { 'unknown' }
    $memory = Select-String -Path /proc/meminfo -Pattern '^MemTotal:\s+(\d+)'
    $memoryKiB = [long]$memory.Matches[0].Groups[1].Value
    $os = Select-String -Path /etc/os-release -Pattern '^PRETTY_NAME="?([^"]+)"?'
    $osName = $os.Matches[0].Groups[1].Value
    return [ordered]@{
        'CPU' = "$cpuName, $([Environment]::ProcessorCount) cores"
        'Memory' = [string]::Format($script:Invariant, '{0:N1} GiB', $memoryKiB / 1MB)
        'Operating system' = $osName
        'Kernel' = (Invoke-Native uname -ArgumentList @('-r')).Trim()
        'PowerShell' = $PSVersionTable.PSVersion.ToString()
        'Podman' = Get-ToolVersion podman
        'Buildah' = Get-ToolVersion buildah
        'runc' = Get-ToolVersion runc
        'systemd-nspawn' = Get-ToolVersion systemd-nspawn
        'util-linux' = Get-ToolVersion unshare
        'mmdebstrap' = Get-ToolVersion mmdebstrap
        'debootstrap' = Get-PackageVersion debootstrap
    }
}

function Format-MachineTable {
    $bench = $script:Bench
    $rows = [ordered]@{}
    foreach ($key in $bench.Machine.Keys) {
        $rows[$key] = $bench.Machine[$key]
    }

    $loadBefore = ($bench.LoadBefore -split ' ')[0..2] -join ' '
    $loadAfter = ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' '
    $rows['Load average (1, 5, 15 min) before and after'] = "$loadBefore / $loadAfter"
    $rows['Cookie-Cutter module'] = if ($bench.ModuleLoaded) { $bench.ModuleVersion } else { 'not built' }
    $rows['Root file system'] = "$($bench.RootFs), $($bench.RootFsFiles) files and folders"
    $lines = @('| Item | Value |', '| --- | --- |')
    foreach ($key in $rows.Keys) {
        $lines += "| $key | $($rows[$key]) |"
    }

    return $lines
}

function Get-CcValue {
    param(
        [string]$Section,

        [string]$Measure,

        [string]$Tool = 'Cookie-Cutter'
    )

    $row = $script:Bench.Rows | Where-Object {
        $_.Section -eq $Section -and $_.Measure -eq $Measure -and $_.Tool -eq $Tool -and $null -ne $_.Value
    } | Select-Object -First 1
    if ($row) {
        return $row.Value
    }

    return $null
}

function Format-SectionTable {
    param([string]$Section)

    $lines = @(
        '| Measure | Tool | Median | Min – max | Runs | Cookie-Cutter ÷ tool | Note |',
        '| --- | --- | ---: | ---: | ---: | ---: | --- |')
    foreach ($row in $script:Bench.Rows | Where-Object Section -EQ $Section) {
        $median = ''
        $range = ''
        $ratio = ''
        if ($null -ne $row.Value) {
            $median = "$(Format-Number $row.Value $row.Unit) $($row.Unit)"
            if ($null -ne $row.Minimum) {
                $range = "$(Format-Number $row.Minimum $row.Unit) – $(Format-Number $row.Maximum $row.Unit)"
            }

            $cc = Get-CcValue -Section $row.Section -Measure $row.Measure
            if ($null -ne $cc -and $row.Tool -ne 'Cookie-Cutter' -and $row.Value -gt 0) {
                $ratio = [string]::Format($script:Invariant, '{0:N2}', $cc / $row.Value)
            }
        }

        $count = if ($row.Count -gt 0) { $row.Count } else { '' }
        $note = $row.Note -replace '\|', '\|' -replace "`r?`n", ' '
        $lines += "| $($row.Measure) | $($row.Tool) | $median | $range | $count | $ratio | $note |"
    }

    return $lines
}

function Format-TargetRow {
    param(
        [string]$Target,

        [Nullable[double]]$Measured,

        [Nullable[double]]$Limit,

        [string]$Detail
    )

    if ($null -eq $Measured -or $null -eq $Limit) {
        return "| $Target | $Detail | not measured |"
    }

    $result = if ($Measured -le $Limit) { 'met' } else { '**missed**' }
    return "| $Target | $Detail | $result |"
}

function Format-Targets {
    $run = Get-CcValue 'Run latency' $script:RunMeasure
    $floor = Get-CcValue 'Run latency' $script:RunMeasure 'shell floor'
    $podman = Get-CcValue 'Run latency' $script:RunMeasure 'Podman'
    $prefix = 'FROM + 3 RUN + COPY 1 MiB, unchanged rebuild'
    $rebuild = Get-CcValue 'Build' $prefix
    $podmanRebuild = Get-CcValue 'Build' $prefix 'Podman'
    $detachedMeasure = 'resident memory of our processes, container running detached'
    $bootMeasure = 'resident memory of our processes, container booted detached'
    $detached = $script:Bench.Rows |
        Where-Object { $_.Measure -in $detachedMeasure, $bootMeasure -and $_.Tool -eq 'Cookie-Cutter' } |
        Sort-Object { $null -eq $_.Value } |
        Select-Object -First 1
    $conmon = Get-CcValue 'Footprint' $detachedMeasure 'Podman'
    $disk = Get-CcValue 'Disk' 'bytes on disk per new container (after running `true`)'

    $f = {
        param($value)
        if ($null -eq $value) { 'n/a' } else { [string]::Format($script:Invariant, '{0:N1}', $value) }
    }
    $lines = @('| Target | Measured | Result |', '| --- | --- | --- |')
    $lines += Format-TargetRow -Target 'run latency at most 2 × the shell floor' `
        -Measured $run -Limit $(if ($null -ne $floor) { 2 * $floor }) `
        -Detail "$(& $f $run) ms vs 2 × $(& $f $floor) ms"
    $lines += Format-TargetRow -Target 'run latency at most 1/10 of Podman''s' `
        -Measured $run -Limit $(if ($null -ne $podman) { $podman / 10 }) `
        -Detail "$(& $f $run) ms vs $(& $f $podman) ms / 10"
    $lines += Format-TargetRow -Target 'unchanged rebuild under 1/10 of Podman''s cached rebuild' `
        -Measured $rebuild -Limit $(if ($null -ne $podmanRebuild) { $podmanRebuild / 10 }) `
        -Detail "$(& $f $rebuild) ms vs $(& $f $podmanRebuild) ms / 10"
    if ($detached -and $null -ne $detached.Value) {
        $processes = [int](($detached.Note -split ' ')[0])
        $smallEnough = $processes -le 1 -and ($null -eq $conmon -or $detached.Value -lt $conmon)
        $lines += Format-TargetRow -Target 'detached: at most one resident supervisor, smaller than conmon' `
            -Measured $(if ($smallEnough) { 0 } else { 1 }) -Limit 0 `
            -Detail ("$($detached.Measure -replace '^resident memory of our processes, ', ''): " +
                "$processes process(es), $(& $f $detached.Value) KiB vs conmon $(& $f $conmon) KiB")
    }
    else {
        $reason = if ($detached) { $detached.Note } else { 'no row' }
        $attachedMeasure = 'resident memory of our processes, container running attached'
        $attached = Get-CcValue 'Footprint' $attachedMeasure
        if ($null -ne $attached) {
            $reason += "; attached, the supervisor is $(& $f $attached) KiB vs conmon $(& $f $conmon) KiB"
        }

        $target = 'detached: at most one resident supervisor, smaller than conmon'
        $lines += "| $target | $reason | not measured |"
    }

    $lines += Format-TargetRow -Target 'under 64 KiB on disk per new container' `
        -Measured $disk -Limit $(if ($null -ne $disk) { 63.999 }) `
        -Detail "$(& $f $disk) KiB"
    return $lines
}

function Format-Report {
    param([string]$Command)

    $bench = $script:Bench
    $lines = @(
        '# Benchmark results',
        '',
        "Measured on $($bench.StartedAt.ToString('yyyy-MM-dd HH:mm', $script:Invariant)) UTC with:",
        '',
        '```',
        $Command,
        '```',
        '',
        '## Machine',
        '')
    $lines += Format-MachineTable
    $lines += @(
        '',
        '## Results',
        '',
        ("Times are medians over $($bench.Runs) runs ($($bench.BuildRuns) for builds and module import) " +
            "after $($bench.Warmup) uncounted runs (1 for builds)."),
        '"Cookie-Cutter ÷ tool" below 1 means Cookie-Cutter is faster or smaller.',
        '')
    foreach ($section in $bench.Rows.Section | Select-Object -Unique) {
        $lines += @("### $section", '')
        $lines += Format-SectionTable -Section $section
        $lines += ''
    }

    $lines += @('## Targets', '')
    $lines += Format-Targets
    return ($lines -join "`n")
}
