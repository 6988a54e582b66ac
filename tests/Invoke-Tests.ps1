#Requires -Version 7.4
<#
.SYNOPSIS
    Runs every test: the xunit engine tests, then the Pester suites in a child pwsh, as root.
.DESCRIPTION
    The Pester suites share one test store (COOKIECUTTER_TEST_ROOT, by default
    /var/tmp/cookie-cutter-tests) and one Debian base image made by New-CcBaseImage from the
    host's own Debian mirror before the first suite starts, so the slow bootstrap runs once per
    run. The script ends with the line "N passed, N failed" and exits non-zero on any failure.
.PARAMETER Path
    Pester test files or folders to run; all of tests/Pester by default.
.PARAMETER SkipEngineTests
    Skips the xunit engine tests.
.PARAMETER Tag
    Runs only the Pester tests with these tags.
.PARAMETER FreshStore
    Starts from an empty test store and deletes it at the end, so the base image is made anew.
    This is the default when the CI variable is 'true'; otherwise the test store and its base
    image are kept between runs, which several developers' runs may share.
#>
[CmdletBinding()]
param(
    [string[]] $Path = @(Join-Path $PSScriptRoot 'Pester'),
    [switch] $SkipEngineTests,
    [string[]] $Tag,
    [switch] $FreshStore
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$repository = Split-Path -Parent $PSScriptRoot
$Path = @($Path | ForEach-Object { $_ -split ',' } | ForEach-Object { (Resolve-Path $_).Path })
$passed = 0
$failed = 0
$testRoot = if ($env:COOKIECUTTER_TEST_ROOT) { $env:COOKIECUTTER_TEST_ROOT } else { '/var/tmp/cookie-cutter-tests' }

function Clear-TestRoot {
    # Unmounts whatever a crashed test left below the test root, deepest first, then deletes it
    # without crossing into another file system.
    if (-not (Test-Path $testRoot)) { return }
    $mounts = Get-Content /proc/mounts | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_ -like "$testRoot/*" }
    foreach ($mountPoint in ($mounts | Sort-Object -Descending)) {
        umount -l $mountPoint
    }
    rm -rf --one-file-system $testRoot
}

$fresh = $FreshStore.IsPresent -or $env:CI -eq 'true'
if ($fresh) { Clear-TestRoot }

if (-not $SkipEngineTests) {
    $log = Join-Path ([IO.Path]::GetTempPath()) "cc-xunit-$PID.log"
    dotnet test (Join-Path $PSScriptRoot 'CookieCutter.Engine.Tests') --nologo 2>&1 | Tee-Object -FilePath $log | Out-Host
    $summary = Select-String -Path $log -Pattern 'Failed:\s*(\d+),\s*Passed:\s*(\d+)' | Select-Object -Last 1
    if ($summary) {
        $failed += [int] $summary.Matches[0].Groups[1].Value
        $passed += [int] $summary.Matches[0].Groups[2].Value
    }
    elseif ($LASTEXITCODE -ne 0) {
        Write-Warning "The xunit run failed before reporting results (exit code $LASTEXITCODE)."
        $failed += 1
    }
    Remove-Item $log -ErrorAction SilentlyContinue
}

dotnet restore (Join-Path $PSScriptRoot 'tools/PesterRestore.csproj') --nologo -v quiet | Out-Host
$pester = Get-ChildItem (Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages/pester/5.7.1/tools/Pester.psd1') -ErrorAction SilentlyContinue
if (-not $pester) {
    $packages = dotnet nuget locals global-packages --list | ForEach-Object { ($_ -split ': ', 2)[1] }
    $pester = Get-Item (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1')
}

$resultFile = Join-Path ([IO.Path]::GetTempPath()) "cc-pester-$PID.json"
$child = @'
param($PesterManifest, $ResultFile, [string] $Paths, [string] $Tags)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest
$configuration = New-PesterConfiguration
$configuration.Run.Path = @($Paths -split ',')
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
if ($Tags) { $configuration.Filter.Tag = @($Tags -split ',') }
$result = Invoke-Pester -Configuration $configuration
@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $ResultFile
'@
$script = Join-Path ([IO.Path]::GetTempPath()) "cc-pester-$PID.ps1"
Set-Content -Path $script -Value $child
try {
    $env:COOKIECUTTER_TEST_ROOT = $testRoot
    # The child pwsh is the same tool from the manifest, started through dotnet from the repository.
    Push-Location $repository
    try {
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $script, '-PesterManifest', $pester.FullName, '-ResultFile', $resultFile, '-Paths', ($Path -join ','))
        if ($Tag) { $arguments += @('-Tags', ($Tag -join ',')) }
        dotnet pwsh @arguments
    }
    finally {
        Pop-Location
    }
    if (Test-Path $resultFile) {
        $counts = Get-Content -Raw $resultFile | ConvertFrom-Json
        $passed += $counts.Passed
        $failed += $counts.Failed
    }
    else {
        Write-Warning 'The Pester run ended without writing its results.'
        $failed += 1
    }
}
finally {
    Remove-Item $script, $resultFile -ErrorAction SilentlyContinue
    if ($fresh) { Clear-TestRoot }
}

Write-Host "$passed passed, $failed failed"
if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
exit 0
