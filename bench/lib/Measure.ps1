# Timing helpers, external process runs and result rows for Invoke-Benchmark.ps1.

function Invoke-Native {
    <#
    .SYNOPSIS
    Runs a program with its arguments passed unchanged and returns its standard output; throws
    with its standard error when it exits non-zero, unless -AllowFailure is given.
    #>
    param(
        [Parameter(Mandatory)]
        [string]$FilePath,

        [string[]]$ArgumentList = @(),

        [string]$WorkingDirectory,

        [switch]$AllowFailure
    )

    $info = [Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($argument in $ArgumentList) {
        $info.ArgumentList.Add($argument)
    }

    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    if ($WorkingDirectory) {
        $info.WorkingDirectory = $WorkingDirectory
    }

    $process = [Diagnostics.Process]::Start($info)
    try {
        $process.StandardInput.Close()
        $errorText = $process.StandardError.ReadToEndAsync()
        $outputText = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        if ($process.ExitCode -ne 0 -and -not $AllowFailure) {
            $detail = $errorText.Result.Trim()
            throw "$FilePath $($ArgumentList -join ' ') exited with $($process.ExitCode): $detail"
        }

        return $outputText
    }
    finally {
        $process.Dispose()
    }
}

function Get-Median {
    param([double[]]$Values)

    $sorted = [double[]]($Values | Sort-Object)
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2 -eq 1) {
        return $sorted[$middle]
    }

    return ($sorted[$middle - 1] + $sorted[$middle]) / 2
}

function Add-Row {
    <#
    .SYNOPSIS
    Records one result: a measured value with its unit, or only a note for a row that was
    skipped, not available or failed.
    #>
    param(
        [Parameter(Mandatory)]
        [string]$Section,

        [Parameter(Mandatory)]
        [string]$Measure,

        [Parameter(Mandatory)]
        [string]$Tool,

        [Nullable[double]]$Value,

        [string]$Unit = 'ms',

        [Nullable[double]]$Minimum,

        [Nullable[double]]$Maximum,

        [int]$Count = 0,

        [string]$Note = ''
    )

    $row = [pscustomobject]@{
        Section = $Section
        Measure = $Measure
        Tool = $Tool
        Value = $Value
        Unit = $Unit
        Minimum = $Minimum
        Maximum = $Maximum
        Count = $Count
        Note = $Note
    }
    $script:Bench.Rows.Add($row)
    $shown = if ($null -ne $Value) { '{0:N1} {1}' -f $Value, $Unit } else { $Note }
    Write-Host ("  {0} | {1} | {2}: {3}" -f $Section, $Measure, $Tool, $shown)
}

function New-Contender {
    <#
    .SYNOPSIS
    Describes one tool in a timed comparison. A contender whose module cmdlets or peer
    program are missing carries a note and is not run.
    #>
    param(
        [Parameter(Mandatory)]
        [string]$Tool,

        [Parameter(Mandatory)]
        [scriptblock]$Action,

        [object]$Argument,

        [scriptblock]$Setup = {},

        [scriptblock]$Teardown = {},

        [string[]]$Cmdlet = @(),

        [string]$Program,

        [string]$Note = ''
    )

    $unavailable = ''
    $missing = @($Cmdlet | Where-Object { -not (Get-CcCommand $_) })
    if ($missing.Count -gt 0) {
        $unavailable = "not available: the module has no $($missing -join ', ')"
    }
    elseif ($Program -and -not $script:Bench.Tools[$Program]) {
        $unavailable = "skipped: $Program is not installed"
    }

    return [pscustomobject]@{
        Tool = $Tool
        Action = $Action
        Argument = $Argument
        Setup = $Setup
        Teardown = $Teardown
        Note = $Note
        Unavailable = $unavailable
        Failure = ''
        Samples = [Collections.Generic.List[double]]::new()
    }
}

function Invoke-ContenderRun {
    # Runs one contender once and returns the milliseconds its action took.
    param($Contender)

    $null = & $Contender.Setup $Contender.Argument
    $stopwatch = [Diagnostics.Stopwatch]::StartNew()
    try {
        $null = & $Contender.Action $Contender.Argument
        $stopwatch.Stop()
    }
    finally {
        $null = & $Contender.Teardown $Contender.Argument
    }

    return $stopwatch.Elapsed.TotalMilliseconds
}

function Measure-Group {
    <#
    .SYNOPSIS
    Times several contenders on the same work and records each one's median in milliseconds.
    Each contender first runs -WarmupCount times uncounted, then the contenders take turns,
    one run each per round for -Count rounds, so that a change in machine load during the
    measurement affects all of them alike. A contender that fails records its error and
    leaves the rounds.
    #>
    param(
        [Parameter(Mandatory)]
        [string]$Section,

        [Parameter(Mandatory)]
        [string]$Measure,

        [Parameter(Mandatory)]
        [object[]]$Contenders,

        [int]$Count = $script:Bench.Runs,

        [int]$WarmupCount = $script:Bench.Warmup
    )

    $active = @($Contenders | Where-Object { -not $_.Unavailable })
    foreach ($contender in $active) {
        try {
            for ($run = 0; $run -lt $WarmupCount; $run++) {
                $null = Invoke-ContenderRun $contender
            }
        }
        catch {
            $contender.Failure = "failed: $($_.Exception.Message)"
        }
    }

    for ($round = 0; $round -lt $Count; $round++) {
        foreach ($contender in $active | Where-Object { -not $_.Failure }) {
            try {
                $contender.Samples.Add((Invoke-ContenderRun $contender))
            }
            catch {
                $contender.Failure = "failed: $($_.Exception.Message)"
            }
        }
    }

    foreach ($contender in $Contenders) {
        if ($contender.Unavailable -or $contender.Failure) {
            $note = if ($contender.Unavailable) { $contender.Unavailable } else { $contender.Failure }
            Add-Row -Section $Section -Measure $Measure -Tool $contender.Tool -Note $note
            continue
        }

        $values = $contender.Samples.ToArray()
        Add-Row -Section $Section -Measure $Measure -Tool $contender.Tool -Value (Get-Median $values) `
            -Minimum ($values | Measure-Object -Minimum).Minimum `
            -Maximum ($values | Measure-Object -Maximum).Maximum `
            -Count $values.Count -Note $contender.Note
    }
}

function Test-Cmdlet {
    <#
    .SYNOPSIS
    Returns whether the module exports every named cmdlet; records a "not available" row
    naming the missing ones otherwise.
    #>
    param(
        [Parameter(Mandatory)]
        [string[]]$Name,

        [Parameter(Mandatory)]
        [string]$Section,

        [Parameter(Mandatory)]
        [string]$Measure
    )

    $missing = @($Name | Where-Object { -not (Get-CcCommand $_) })
    if ($missing.Count -eq 0) {
        return $true
    }

    Add-Row -Section $Section -Measure $Measure -Tool 'Cookie-Cutter' `
        -Note "not available: the module has no $($missing -join ', ')"
    return $false
}

function Get-CcCommand {
    param([string]$Name)

    if (-not $script:Bench.ModuleLoaded) {
        return $null
    }

    return Get-Command -Module CookieCutter -Name $Name -ErrorAction Ignore
}

function Test-Peer {
    <#
    .SYNOPSIS
    Returns whether a peer program is installed; records a "skipped" row otherwise.
    #>
    param(
        [Parameter(Mandatory)]
        [string]$Program,

        [Parameter(Mandatory)]
        [string]$Section,

        [Parameter(Mandatory)]
        [string]$Measure,

        [Parameter(Mandatory)]
        [string]$Tool
    )

    if ($script:Bench.Tools[$Program]) {
        return $true
    }

    Add-Row -Section $Section -Measure $Measure -Tool $Tool -Note "skipped: $Program is not installed"
    return $false
}

function Get-DiskBytes {
    <#
    .SYNOPSIS
    Returns the bytes allocated on disk for the given paths, counting hard-linked files once,
    on their own file systems only.
    #>
    param([string[]]$Path)

    $existing = @($Path | Where-Object { Test-Path -LiteralPath $_ })
    if ($existing.Count -eq 0) {
        return [long]0
    }

    $output = Invoke-Native du -ArgumentList (@('-s', '-c', '-x', '-B1') + $existing)
    $total = ($output.Trim() -split "`n")[-1]
    return [long](($total -split '\s+')[0])
}
