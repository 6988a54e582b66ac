#Requires -Version 7.4
<#
.SYNOPSIS
    Builds the CookieCutter module: the assemblies, the cc-jail helper, the MAML help and the manifest version.
.DESCRIPTION
    Tasks: Build (default), Test, Clean. Any failing step stops the script with an error.
    After Build, `Import-Module ./CookieCutter.psd1` at the repository root loads the module.
.PARAMETER Task
    Build compiles everything into ./bin; Test builds, then runs the xunit and Pester suites;
    Clean deletes ./bin and the obj folders.
.PARAMETER Configuration
    The .NET build configuration, Release by default.
.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $true

$root = $PSScriptRoot
$output = Join-Path $root 'bin'

function Get-ProjectVersion {
    [xml] $props = Get-Content -Raw (Join-Path $root 'Directory.Build.props')
    $version = $props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
    if (-not $version) { throw "No <Version> found in Directory.Build.props." }
    return $version
}

function Invoke-Build {
    $version = Get-ProjectVersion
    Write-Host "Building CookieCutter $version into $output"
    dotnet publish (Join-Path $root 'CookieCutter.PowerShell/CookieCutter.PowerShell.csproj') `
        --configuration $Configuration --output $output --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish failed with exit code $LASTEXITCODE." }

    $compiler = Get-Command cc, gcc -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $compiler) { throw "No C compiler (cc or gcc) was found. Install one, for example with 'apt-get install gcc libc6-dev'." }
    & $compiler.Source -O2 -Wall -Wextra -Wno-format-truncation -Werror `
        -o (Join-Path $output 'cc-jail') (Join-Path $root 'CookieCutter.Engine/Native/cc-jail.c')
    if ($LASTEXITCODE -ne 0) { throw "Compiling cc-jail failed with exit code $LASTEXITCODE." }

    $helpCompiler = Join-Path $root 'tools/Build-Help.ps1'
    $helpSources = Join-Path $root 'docs/help'
    if (Get-ChildItem -Path $helpSources -Filter *.md -ErrorAction SilentlyContinue) {
        # PlatyPS is not served by the package registries this project can reach, so the
        # project's own compiler is the tested path; a user who has PlatyPS may ask for it.
        if ($env:COOKIECUTTER_USE_PLATYPS -and (Get-Module -ListAvailable platyPS)) {
            Import-Module platyPS
            New-ExternalHelp -Path $helpSources -OutputPath (Join-Path $root 'en-US') -Force | Out-Null
        }
        else {
            & $helpCompiler -SourcePath $helpSources -OutputPath (Join-Path $root 'en-US')
        }
    }

    $manifest = Join-Path $root 'CookieCutter.psd1'
    $text = Get-Content -Raw $manifest
    $updated = $text -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$version'"
    if ($updated -ne $text) { Set-Content -Path $manifest -Value $updated -NoNewline }
}

function Invoke-Test {
    Invoke-Build
    & (Join-Path $root 'tests/Invoke-Tests.ps1')
    if ($LASTEXITCODE -ne 0) { throw "Tests failed." }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Clean' {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $output
        Get-ChildItem $root -Recurse -Directory -Filter obj | Remove-Item -Recurse -Force
    }
}
