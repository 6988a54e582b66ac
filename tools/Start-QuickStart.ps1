#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the main job end to end: sets up the store, makes a Debian base image, builds the
    example spec, and runs commands in containers.
.DESCRIPTION
    Run as root after ./build.ps1 (tools/run-main-job.sh does both). Uses the store in
    COOKIECUTTER_ROOT, or /var/cookie-cutter. The base image comes from the Debian mirror the
    host's own apt sources name, unless -Mirror says otherwise.
.PARAMETER Suite
    Debian suite of the base image; the host's own release on a Debian host, else bookworm.
.PARAMETER Mirror
    Debian mirror address, when the host's apt sources name none.
#>
[CmdletBinding()]
param(
    [string] $Suite,
    [string] $Mirror
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$repository = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $repository 'CookieCutter.psd1')

if (-not $Suite) {
    $release = Get-Content /etc/os-release
    $id = ($release | Where-Object { $_ -like 'ID=*' }) -replace '^ID=', '' -replace '"', ''
    $codename = ($release | Where-Object { $_ -like 'VERSION_CODENAME=*' }) -replace '^VERSION_CODENAME=', '' -replace '"', ''
    $Suite = if ($id -eq 'debian' -and $codename) { $codename } else { 'bookworm' }
}

Write-Host '== cc-setup: checking the host and creating the store'
Initialize-CcHost -InstallMissing | Format-List StoreRoot, Bootstrapper, OverlaySupported, MissingPackages

Write-Host "== cc-build-ubuntu-image: making the Debian base image '$Suite'"
$baseParameters = @{ Suite = $Suite; Distribution = 'Debian' }
if ($Mirror) { $baseParameters.Mirror = $Mirror }
New-CcBaseImage @baseParameters | Format-Table Name, Version, Size, LayerCount

Write-Host '== cc-run: echo hello world in a container'
Invoke-CcRun -Rm $Suite -- echo hello world

$spec = Join-Path $repository 'examples/my-app.ccspec'
if ((Get-Command New-CcImage -ErrorAction SilentlyContinue) -and (Test-Path $spec)) {
    Write-Host '== cc-build: building examples/my-app.ccspec as image my-image'
    $specText = (Get-Content -Raw $spec) -replace '(?m)^FROM\s+\S+', "FROM $Suite"
    $specCopy = Join-Path ([IO.Path]::GetTempPath()) "my-app-$PID.ccspec"
    Set-Content -Path $specCopy -Value $specText
    try {
        New-CcImage my-image $specCopy (Join-Path $repository 'examples/build-context') | Format-Table Name, Version, Size, LayerCount
    }
    finally {
        Remove-Item $specCopy
    }

    Write-Host '== cc-run: running the example app from my-image'
    Invoke-CcRun -Rm my-image
}

Write-Host '== Images in the store'
Get-CcImage | Format-Table Name, Version, Size, LayerCount
