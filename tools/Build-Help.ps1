<#
.SYNOPSIS
Compiles cmdlet help written as markdown in the PlatyPS layout into MAML files for Get-Help.

.DESCRIPTION
Reads every <Cmdlet>.md file in SourcePath and writes one MAML file per "external help file"
named in the files' front matter (CookieCutter.PowerShell.dll-Help.xml by default) into
OutputPath. Files whose names start with "about_" are skipped: about topics are plain text.

The layout is the one PlatyPS writes: YAML front matter, a "# Name" title, then the level-two
sections SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES ("### Example N: Title" blocks), PARAMETERS
("### -Name" blocks, each with its description and a yaml metadata block), INPUTS, OUTPUTS,
NOTES and RELATED LINKS. A "### CommonParameters" block is accepted and left out of the MAML,
because Get-Help adds the common parameters itself.

The script stops with an error that names the file and line when a file breaks the layout, so a
broken help source fails the build instead of producing help that Get-Help renders badly.

With -Update, the script instead brings the markdown in line with the compiled cmdlets of the
module at ModulePath. It rewrites each file's SYNTAX section and yaml metadata blocks, keeping
the prose and the "Default value" lines, adds a section for each new parameter and drops the
sections of removed ones. For a cmdlet without a file it writes a new one. New descriptions are
"{{ Fill in ... }}" placeholders that the help tests reject until they are replaced with prose.

The work is split by concept into the scripts in tools/help: HelpMarkdown.ps1 reads the
markdown, MamlWriter.ps1 writes MAML and HelpUpdater.ps1 does -Update.

.PARAMETER SourcePath
Folder of the markdown help sources.

.PARAMETER OutputPath
Folder that receives the MAML files, usually the en-US folder next to the module manifest.

.PARAMETER Update
Updates the markdown from the compiled cmdlets instead of compiling it.

.PARAMETER ModulePath
Path of the module manifest (or assembly) whose cmdlets -Update documents.

.PARAMETER Read
Parses the markdown files and returns one object per cmdlet, with its synopsis, description,
examples and documented parameters, instead of compiling. The help tests use it to compare the
markdown with the compiled cmdlets.

.PARAMETER PassThru
Returns the files written. By default the script writes nothing to the pipeline.

.EXAMPLE
./tools/Build-Help.ps1 -SourcePath ./docs/help -OutputPath ./en-US

.EXAMPLE
./tools/Build-Help.ps1 -Update -SourcePath ./docs/help -ModulePath ./CookieCutter.psd1
#>
[CmdletBinding(DefaultParameterSetName = 'Compile')]
param(
    [Parameter(Mandatory)]
    [string] $SourcePath,

    [Parameter(Mandatory, ParameterSetName = 'Compile')]
    [string] $OutputPath,

    [Parameter(Mandatory, ParameterSetName = 'Update')]
    [switch] $Update,

    [Parameter(Mandatory, ParameterSetName = 'Update')]
    [string] $ModulePath,

    [Parameter(Mandatory, ParameterSetName = 'Read')]
    [switch] $Read,

    [switch] $PassThru
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$MamlNamespace = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNamespace = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNamespace = 'http://schemas.microsoft.com/maml/dev/2004/10'
$HelpItemsNamespace = 'http://msh'
$DefaultHelpFile = 'CookieCutter.PowerShell.dll-Help.xml'
$ModuleName = 'CookieCutter'
$AllParameterSets = '(All)'

$KnownSections = @(
    'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS',
    'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
)

. (Join-Path $PSScriptRoot 'help/HelpMarkdown.ps1')
. (Join-Path $PSScriptRoot 'help/MamlWriter.ps1')
. (Join-Path $PSScriptRoot 'help/HelpUpdater.ps1')

if ($PSCmdlet.ParameterSetName -eq 'Update') {
    $module = Import-Module $ModulePath -PassThru -Force -Verbose:$false
    $null = New-Item -ItemType Directory -Force -Path $SourcePath
    foreach ($command in Get-Command -Module $module.Name -CommandType Cmdlet, Function) {
        $target = Join-Path $SourcePath "$($command.Name).md"
        if (Test-Path $target) {
            if (Update-CommandMarkdown $command $target) {
                Write-Verbose "Updated the syntax and parameters of '$target'."
            }
            else {
                continue
            }
        }
        else {
            $skeleton = New-SkeletonMarkdown $command
            $encoding = [System.Text.UTF8Encoding]::new($false)
            [System.IO.File]::WriteAllText($target, $skeleton, $encoding)
            Write-Verbose "Wrote a skeleton for $($command.Name) to '$target'."
        }

        if ($PassThru) {
            Get-Item $target
        }
    }

    return
}

$sources = @(Get-ChildItem -Path $SourcePath -Filter '*.md' -File |
        Where-Object { $_.Name -notlike 'about_*' } | Sort-Object Name)
if ($sources.Count -eq 0) {
    throw "No markdown help files were found in '$SourcePath'."
}

$commands = foreach ($source in $sources) {
    $help = Read-CommandHelp $source
    Test-SyntaxReferences $help
    $help
}

if ($Read) {
    return $commands
}

$null = New-Item -ItemType Directory -Force -Path $OutputPath
foreach ($group in $commands | Group-Object HelpFile) {
    $target = Join-Path (Resolve-Path $OutputPath) $group.Name
    Write-MamlFile $target $group.Group
    Write-Verbose "Wrote help for $($group.Count) cmdlets to '$target'."
    if ($PassThru) {
        Get-Item $target
    }
}
