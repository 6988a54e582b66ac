<#
    Shared set-up for the Pester suites: one test store and one Debian base image for the whole
    run, unique names, and checks that nothing of the store is left mounted.
#>
Set-StrictMode -Version Latest

$script:Repository = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)

function Initialize-CcTestStore {
    <#
    .SYNOPSIS
        Imports the module, points COOKIECUTTER_ROOT at the shared test store, and makes sure the
        store and its Debian base image exist. Returns the base image name.
    #>
    [CmdletBinding()]
    param()

    Import-Module (Join-Path $script:Repository 'CookieCutter.psd1') -Force -Global
    $root = if ($env:COOKIECUTTER_TEST_ROOT) { $env:COOKIECUTTER_TEST_ROOT } else { '/var/tmp/cookie-cutter-tests' }
    $env:COOKIECUTTER_ROOT = Join-Path $root 'store'
    $lock = Join-Path $root 'base-image.lock'
    New-Item -ItemType Directory -Force -Path $root | Out-Null
    $suite = Get-CcTestSuite
    $stream = $null
    while (-not $stream) {
        try { $stream = [IO.File]::Open($lock, 'OpenOrCreate', 'ReadWrite', 'None') }
        catch [IO.IOException] { Start-Sleep -Milliseconds 200 }
    }
    try {
        Initialize-CcHost | Out-Null
        if (-not (Get-CcImage -Name $suite -ErrorAction SilentlyContinue)) {
            New-CcBaseImage -Suite $suite -Distribution Debian -Include procps | Out-Null
        }
    }
    finally {
        $stream.Dispose()
    }
    return $suite
}

function Get-CcTestModulePath {
    <# .SYNOPSIS Returns the module manifest, for runspaces such as thread jobs that must import it again. #>
    return (Join-Path $script:Repository 'CookieCutter.psd1')
}

function Get-CcTestSuite {
    <# .SYNOPSIS Returns the Debian suite the tests use: the host's, or bookworm on other hosts. #>
    $release = Get-Content /etc/os-release -ErrorAction SilentlyContinue
    $id = ($release | Where-Object { $_ -like 'ID=*' }) -replace '^ID=', '' -replace '"', ''
    $codename = ($release | Where-Object { $_ -like 'VERSION_CODENAME=*' }) -replace '^VERSION_CODENAME=', '' -replace '"', ''
    if ($id -eq 'debian' -and $codename) { return $codename }
    return 'bookworm'
}

function New-CcTestName {
    <# .SYNOPSIS Returns a container or image name no other test uses. #>
    param([string] $Prefix = 'test')
    return '{0}-{1}' -f $Prefix, ([guid]::NewGuid().ToString('N').Substring(0, 10))
}

function Wait-CcTestContainer {
    <#
    .SYNOPSIS
        Waits until a container runs and has a pid, and returns it; fails after the timeout.
    #>
    param([string] $Name, [int] $TimeoutSeconds = 20)
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    while ((Get-Date) -lt $deadline) {
        $container = Get-CcContainer -Name $Name -ErrorAction SilentlyContinue
        if ($container -and $container.Pid) { return $container }
        Start-Sleep -Milliseconds 50
    }
    throw "Container '$Name' did not start within $TimeoutSeconds seconds."
}

function Get-CcTestMounts {
    <# .SYNOPSIS Returns the mount points below the test store, from /proc/mounts. #>
    $root = $env:COOKIECUTTER_ROOT
    return @(Get-Content /proc/mounts | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_ -like "$root/*" })
}
