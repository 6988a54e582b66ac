<#
.SYNOPSIS
Measures the Cookie-Cutter module against Podman, systemd-nspawn and the bare kernel
operations in one run, and writes the results as a markdown page.

.DESCRIPTION
Run as root from the repository root, after building the module:

    dotnet pwsh bench/Invoke-Benchmark.ps1

The script installs its missing prerequisites with apt-get (podman, buildah, runc,
systemd-container, util-linux, and with -BaseImage also mmdebstrap and debootstrap), or names
them when -SkipInstall is given. It imports a root file system into its own Cookie-Cutter store
and into a Podman storage, both under -WorkDir, and times every operation in this one warm
PowerShell session: a median over -Runs runs after -Warmup runs that are not counted. External
programs are started from this session through System.Diagnostics.Process, so every peer row
includes one process start; the "process start" row shows that cost alone.

A module cmdlet that is missing gives a "not available" row, and a missing peer gives a
"skipped" row. At the end the script unmounts what it mounted, removes the Podman containers
and images it made and deletes the folders it created in the work dir (store, podman,
scratch, context, module, base-*, and rootfs when it bootstrapped one). It refuses to start
when one of those folders already exists.

.PARAMETER WorkDir
Folder for everything the script creates: the store, the Podman storage, images, build
contexts and the results file.

.PARAMETER RootFs
Root file system that every image is made from. Without it the script bootstraps a minbase
root file system of the host's Debian suite with mmdebstrap into the work dir.

.PARAMETER Runs
Timed runs per latency measurement.

.PARAMETER BuildRuns
Timed runs per build measurement.

.PARAMETER Warmup
Runs before each measurement that are not counted.

.PARAMETER Section
Sections to measure, all by default: Run, Lifecycle, Exec, Build, ImageSize, LayerDepth,
Footprint, Disk and Import.

.PARAMETER BaseImage
Also times mmdebstrap, debootstrap and New-CcBaseImage (one run each, several minutes, needs
the host's Debian mirror).

.PARAMETER SkipInstall
Names missing prerequisites instead of installing them.

.PARAMETER KeepWorkDir
Leaves the store, the Podman storage and the images in the work dir.

.PARAMETER ModulePath
Manifest of the module to measure.

.PARAMETER OutFile
Markdown file to write; by default results.md in the work dir.
#>

#Requires -Version 7.4

[CmdletBinding()]
param(
    [string]$WorkDir = '/var/tmp/cc-bench',

    [string]$RootFs,

    [ValidateRange(1, 1000)]
    [int]$Runs = 30,

    [ValidateRange(1, 100)]
    [int]$BuildRuns = 10,

    [ValidateRange(0, 100)]
    [int]$Warmup = 3,

    [string[]]$Section = @(
        'Run', 'Lifecycle', 'Exec', 'Build', 'ImageSize', 'LayerDepth', 'Footprint', 'Disk', 'Import'),

    [switch]$BaseImage,

    [switch]$SkipInstall,

    [switch]$KeepWorkDir,

    [string]$ModulePath = (Join-Path $PSScriptRoot '..' 'CookieCutter.psd1'),

    [string]$OutFile
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

. (Join-Path $PSScriptRoot 'lib' 'Measure.ps1')
. (Join-Path $PSScriptRoot 'lib' 'Setup.ps1')
. (Join-Path $PSScriptRoot 'lib' 'Scenarios.ps1')
. (Join-Path $PSScriptRoot 'lib' 'Footprint.ps1')
. (Join-Path $PSScriptRoot 'lib' 'Report.ps1')

if ((id -u) -ne '0') {
    throw 'Run the benchmark as root: it mounts overlays and creates namespaces.'
}

# pwsh -File passes "Run,Exec" as one word, so sections are split on commas here.
$knownSections = 'Run', 'Lifecycle', 'Exec', 'Build', 'ImageSize', 'LayerDepth', 'Footprint', 'Disk', 'Import'
$Section = @($Section | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
$unknown = @($Section | Where-Object { $_ -notin $knownSections })
if ($unknown.Count -gt 0) {
    throw "Unknown section(s) $($unknown -join ', '). Valid sections: $($knownSections -join ', ')."
}

$WorkDir = [IO.Path]::GetFullPath($WorkDir)
if (-not $OutFile) {
    $OutFile = Join-Path $WorkDir 'results.md'
}

$script:Bench = [ordered]@{
    WorkDir = $WorkDir
    Store = Join-Path $WorkDir 'store'
    PodmanDir = Join-Path $WorkDir 'podman'
    Scratch = Join-Path $WorkDir 'scratch'
    FloorScript = Join-Path $PSScriptRoot 'floor-run.sh'
    Runs = $Runs
    BuildRuns = $BuildRuns
    Warmup = $Warmup
    Rows = [Collections.Generic.List[object]]::new()
    Machine = [ordered]@{}
    Tools = @{}
    ModuleLoaded = $false
    SmallImage = 'bench-small'
    LargeImage = 'bench-large'
    ClassicImage = 'bench-classic'
    RootFsFiles = 0
    PodmanSmall = 'localhost/cc-bench-small'
    PodmanLarge = 'localhost/cc-bench-large'
    StartedAt = [DateTime]::UtcNow
    LoadBefore = (Get-Content /proc/loadavg)
    ShmLockExisted = Test-Path /dev/shm/libpod_lock
    Entries = @(
        'store', 'podman', 'scratch', 'context', 'module', 'base-mmdebstrap', 'base-debootstrap',
        'base-store-0', 'base-store-1')
}

if (-not $RootFs) {
    $script:Bench.Entries += 'rootfs'
}

Assert-WorkDirFree

$savedEnvironment = @{}
foreach ($variable in 'COOKIECUTTER_ROOT', 'CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF') {
    $savedEnvironment[$variable] = [Environment]::GetEnvironmentVariable($variable)
}

$failure = $null
try {
    Install-Prerequisites -BaseImage:$BaseImage -BootstrapRootFs:(-not $RootFs) -SkipInstall:$SkipInstall
    $script:Bench.Machine = Get-MachineFacts
    Initialize-WorkDir -RootFs $RootFs
    Import-CcModule -Path $ModulePath
    Initialize-Images

    Measure-ProcessStart
    $scenarios = [ordered]@{
        Run = { Measure-RunLatency }
        Lifecycle = { Measure-NamedLifecycle }
        Exec = { Measure-Exec }
        Build = { Measure-Build }
        ImageSize = { Measure-ImageSizeScaling }
        LayerDepth = { Measure-LayerDepthScaling }
        Footprint = { Measure-Footprint }
        Disk = { Measure-Disk }
        Import = { Measure-ModuleImport }
    }
    foreach ($name in $scenarios.Keys) {
        if ($name -in $Section) {
            & $scenarios[$name]
        }
    }

    if ($BaseImage) {
        Measure-BaseImage
    }
}
catch {
    $failure = $_
}
finally {
    Clear-WorkDir -Keep:$KeepWorkDir
    foreach ($variable in $savedEnvironment.Keys) {
        [Environment]::SetEnvironmentVariable($variable, $savedEnvironment[$variable])
    }
}

$command = 'dotnet pwsh bench/Invoke-Benchmark.ps1' + (Format-BoundParameters $PSBoundParameters)
$page = Format-Report -Command $command
New-Item -ItemType Directory -Force -Path (Split-Path $OutFile) | Out-Null
Set-Content -Path $OutFile -Value $page
Write-Host "Results written to $OutFile"
$page
if ($failure) {
    Write-Error -ErrorRecord $failure
    exit 1
}
