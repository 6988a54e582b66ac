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

function Stop-HelpSource {
    param([string] $File, [int] $Line, [string] $Message)

    throw "${File}:${Line}: $Message"
}

function ConvertFrom-HelpMarkdown {
    # Splits markdown lines into blocks: headings, fenced code, paragraphs and list items.
    # Paragraph lines are joined with spaces because Get-Help wraps paragraphs itself.
    param([string[]] $Lines, [int] $FirstLineNumber, [string] $File)

    $blocks = [System.Collections.Generic.List[object]]::new()
    $paragraph = $null
    $index = 0
    while ($index -lt $Lines.Count) {
        $line = $Lines[$index]
        $lineNumber = $FirstLineNumber + $index

        if ($line -match '^\s*(```+|~~~+)\s*([\w-]*)\s*$') {
            $paragraph = $null
            $fence = $Matches[1]
            $language = $Matches[2]
            $code = [System.Collections.Generic.List[string]]::new()
            $index++
            while ($index -lt $Lines.Count -and $Lines[$index].Trim() -ne $fence) {
                $code.Add($Lines[$index])
                $index++
            }

            if ($index -ge $Lines.Count) {
                Stop-HelpSource $File $lineNumber "The code block opened here is never closed."
            }

            $blocks.Add([pscustomobject]@{
                Kind = 'Code'; Language = $language; Text = ($code -join "`n"); Line = $lineNumber
            })
            $index++
            continue
        }

        if ($line -match '^(#{1,6})\s+(.*?)\s*#*\s*$') {
            $paragraph = $null
            $blocks.Add([pscustomobject]@{
                Kind = 'Heading'; Level = $Matches[1].Length; Text = $Matches[2]; Line = $lineNumber
            })
        }
        elseif ($line.Trim().Length -eq 0) {
            $paragraph = $null
        }
        elseif ($line -match '^\s*([-*+]|\d+\.)\s+(.*)$') {
            $paragraph = [pscustomobject]@{
                Kind = 'Paragraph'; Text = "$($Matches[1]) $($Matches[2])"; Line = $lineNumber
            }
            $blocks.Add($paragraph)
        }
        elseif ($null -ne $paragraph) {
            $paragraph.Text += ' ' + $line.Trim()
        }
        else {
            $paragraph = [pscustomobject]@{
                Kind = 'Paragraph'; Text = $line.Trim(); Line = $lineNumber
            }
            $blocks.Add($paragraph)
        }

        $index++
    }

    return $blocks
}

function Read-FrontMatter {
    param([string[]] $Lines, [string] $File)

    $values = @{}
    if ($Lines.Count -eq 0 -or $Lines[0].Trim() -ne '---') {
        return [pscustomobject]@{ Values = $values; BodyStart = 0 }
    }

    for ($index = 1; $index -lt $Lines.Count; $index++) {
        if ($Lines[$index].Trim() -eq '---') {
            return [pscustomobject]@{ Values = $values; BodyStart = $index + 1 }
        }

        if ($Lines[$index] -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') {
            $values[$Matches[1]] = $Matches[2]
        }
    }

    Stop-HelpSource $File 1 'The front matter opened on line 1 is never closed with "---".'
}

function Read-ParameterMetadata {
    # Parses one yaml block of a "### -Name" section. Only "Key: Value" lines occur in it.
    param([object] $Block, [string] $File)

    $metadata = [ordered]@{}
    $lineNumber = $Block.Line
    foreach ($line in $Block.Text -split "`n") {
        $lineNumber++
        if ($line.Trim().Length -eq 0) {
            continue
        }

        if ($line -notmatch '^\s*([^:]+?)\s*:\s*(.*?)\s*$') {
            Stop-HelpSource $File $lineNumber "Expected 'Key: Value' in the yaml block, found '$line'."
        }

        $metadata[$Matches[1]] = $Matches[2]
    }

    foreach ($key in 'Type', 'Parameter Sets', 'Required', 'Position') {
        if (-not $metadata.Contains($key)) {
            Stop-HelpSource $File $Block.Line "The yaml block has no '${key}:' line."
        }
    }

    $sets = @($metadata['Parameter Sets'] -split ',' | ForEach-Object { $_.Trim() } |
            Where-Object { $_ })
    return [pscustomobject]@{
        Type = $metadata['Type']
        Sets = $sets
        Aliases = "$($metadata['Aliases'])"
        AcceptedValues = @("$($metadata['Accepted values'])" -split ',' |
                ForEach-Object { $_.Trim() } | Where-Object { $_ })
        Required = $metadata['Required'] -eq 'True'
        Position = $metadata['Position']
        DefaultValue = "$($metadata['Default value'])"
        PipelineInput = "$($metadata['Accept pipeline input'])"
        Globbing = $metadata['Accept wildcard characters'] -eq 'True'
    }
}

function Split-Sections {
    # Groups blocks under their level-two heading, in file order.
    param([object[]] $Blocks, [string] $File)

    $sections = [ordered]@{}
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 1) {
            continue
        }

        if ($block.Kind -eq 'Heading' -and $block.Level -eq 2) {
            $name = $block.Text.ToUpperInvariant()
            if ($name -notin $KnownSections) {
                Stop-HelpSource $File $block.Line "Unknown section '## $($block.Text)'. Known sections: $($KnownSections -join ', ')."
            }

            if ($sections.Contains($name)) {
                Stop-HelpSource $File $block.Line "Section '## $name' appears twice."
            }

            $current = [System.Collections.Generic.List[object]]::new()
            $sections[$name] = $current
            continue
        }

        if ($null -eq $current) {
            Stop-HelpSource $File $block.Line 'Text before the first "## " section.'
        }

        $current.Add($block)
    }

    return $sections
}

function Split-Subsections {
    # Groups the blocks of one section under its level-three headings.
    param([object[]] $Blocks, [string] $File, [string] $Section)

    $subsections = [System.Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 3) {
            $current = [pscustomobject]@{
                Title = $block.Text; Line = $block.Line
                Blocks = [System.Collections.Generic.List[object]]::new()
            }
            $subsections.Add($current)
            continue
        }

        if ($null -eq $current) {
            if ($block.Kind -eq 'Heading') {
                Stop-HelpSource $File $block.Line "Expected a '### ' heading in '## $Section'."
            }

            $current = [pscustomobject]@{
                Title = ''; Line = $block.Line
                Blocks = [System.Collections.Generic.List[object]]::new()
            }
            $subsections.Add($current)
        }

        $current.Blocks.Add($block)
    }

    return $subsections
}

function Get-Paragraphs {
    param([object[]] $Blocks)

    return @($Blocks | Where-Object { $null -ne $_ -and $_.Kind -eq 'Paragraph' } |
            ForEach-Object { $_.Text })
}

function Read-CommandHelp {
    param([System.IO.FileInfo] $Source)

    $file = $Source.FullName
    $lines = [System.IO.File]::ReadAllLines($file)
    $frontMatter = Read-FrontMatter $lines $file
    $body = if ($frontMatter.BodyStart -lt $lines.Count) { $lines[$frontMatter.BodyStart..($lines.Count - 1)] } else { @() }
    $blocks = ConvertFrom-HelpMarkdown -Lines $body -FirstLineNumber ($frontMatter.BodyStart + 1) -File $file

    $title = $blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 } | Select-Object -First 1
    if ($null -eq $title) {
        Stop-HelpSource $file 1 'The file has no "# Cmdlet-Name" title.'
    }

    $name = $title.Text.Trim()
    if ($name -notmatch '^(\w+)-(\w+)$') {
        Stop-HelpSource $file $title.Line "The title '$name' is not a Verb-Noun cmdlet name."
    }

    $verb = $Matches[1]
    $noun = $Matches[2]
    if ($Source.BaseName -ne $name) {
        Stop-HelpSource $file $title.Line "The title '$name' does not match the file name '$($Source.Name)'."
    }

    $sections = Split-Sections $blocks $file
    foreach ($required in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS') {
        if (-not $sections.Contains($required)) {
            Stop-HelpSource $file 1 "The section '## $required' is missing."
        }
    }

    $synopsis = @(Get-Paragraphs $sections['SYNOPSIS'])
    if ($synopsis.Count -eq 0) {
        Stop-HelpSource $file 1 'The synopsis is empty.'
    }

    $syntax = foreach ($subsection in Split-Subsections $sections['SYNTAX'] $file 'SYNTAX') {
        $code = $subsection.Blocks | Where-Object { $_.Kind -eq 'Code' } | Select-Object -First 1
        if ($null -eq $code) {
            Stop-HelpSource $file $subsection.Line 'A syntax block has no code block.'
        }

        $setName = ($subsection.Title -replace '\s*\(Default\)\s*$', '').Trim()
        [pscustomobject]@{ Set = $(if ($setName) { $setName } else { $AllParameterSets }); Text = $code.Text }
    }

    $examples = foreach ($subsection in Split-Subsections $sections['EXAMPLES'] $file 'EXAMPLES') {
        if ($subsection.Title -notmatch '^Example\s+\d+') {
            Stop-HelpSource $file $subsection.Line "An example heading must start with 'Example N', found '$($subsection.Title)'."
        }

        $codeBlocks = @($subsection.Blocks | Where-Object { $_.Kind -eq 'Code' })
        if ($codeBlocks.Count -eq 0) {
            Stop-HelpSource $file $subsection.Line "'$($subsection.Title)' has no code block."
        }

        $firstCode = $subsection.Blocks.IndexOf($codeBlocks[0])
        $lastCode = $subsection.Blocks.IndexOf($codeBlocks[-1])
        [pscustomobject]@{
            Title = $subsection.Title
            Introduction = @(Get-Paragraphs ($subsection.Blocks | Select-Object -First $firstCode))
            Code = ($codeBlocks | ForEach-Object { $_.Text }) -join "`n`n"
            Remarks = @(Get-Paragraphs ($subsection.Blocks | Select-Object -Skip ($lastCode + 1)))
        }
    }

    $parameters = foreach ($subsection in Split-Subsections $sections['PARAMETERS'] $file 'PARAMETERS') {
        if ($subsection.Title -eq 'CommonParameters') {
            continue
        }

        if ($subsection.Title -notmatch '^-(\w+)$') {
            Stop-HelpSource $file $subsection.Line "A parameter heading must be '### -Name', found '### $($subsection.Title)'."
        }

        $parameterName = $Matches[1]
        $yaml = @($subsection.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yaml.Count -eq 0) {
            Stop-HelpSource $file $subsection.Line "The parameter -$parameterName has no yaml metadata block."
        }

        [pscustomobject]@{
            Name = $parameterName
            Line = $subsection.Line
            Description = @(Get-Paragraphs $subsection.Blocks)
            Metadata = @($yaml | ForEach-Object { Read-ParameterMetadata $_ $file })
        }
    }

    $typeSections = @{}
    foreach ($section in 'INPUTS', 'OUTPUTS') {
        $typeSections[$section] = @(if ($sections.Contains($section)) {
                foreach ($subsection in Split-Subsections $sections[$section] $file $section) {
                    if (-not $subsection.Title) {
                        Stop-HelpSource $file $subsection.Line "Each entry of '## $section' needs a '### TypeName' heading."
                    }

                    [pscustomobject]@{
                        Type = $subsection.Title
                        Description = @(Get-Paragraphs $subsection.Blocks)
                    }
                }
            })
    }

    $links = @(if ($sections.Contains('RELATED LINKS')) {
            $linkPattern = '\[([^\]]+)\]\(([^)]*)\)'
            foreach ($block in $sections['RELATED LINKS'] | Where-Object Kind -eq 'Paragraph') {
                $rest = ($block.Text -replace $linkPattern, '' -replace '[-*+]', '').Trim()
                if ($rest) {
                    Stop-HelpSource $file $block.Line "A related link must be '[Text](uri)', found '$rest'."
                }

                foreach ($match in [regex]::Matches($block.Text, $linkPattern)) {
                    [pscustomobject]@{ Text = $match.Groups[1].Value; Uri = $match.Groups[2].Value }
                }
            }
        })

    $helpFile = $frontMatter.Values['external help file']
    return [pscustomobject]@{
        File = $file
        HelpFile = $(if ($helpFile) { $helpFile } else { $DefaultHelpFile })
        Name = $name
        Verb = $verb
        Noun = $noun
        Synopsis = $synopsis -join ' '
        Description = @(Get-Paragraphs $sections['DESCRIPTION'])
        Syntax = @($syntax)
        Examples = @($examples)
        Parameters = @($parameters)
        Inputs = $typeSections['INPUTS']
        Outputs = $typeSections['OUTPUTS']
        Notes = @(if ($sections.Contains('NOTES')) { Get-Paragraphs $sections['NOTES'] })
        Links = $links
    }
}

function Get-MetadataForSet {
    param([object] $Parameter, [string] $Set)

    $match = $Parameter.Metadata | Where-Object { $Set -in $_.Sets } | Select-Object -First 1
    if ($null -eq $match) {
        $match = $Parameter.Metadata | Where-Object { $AllParameterSets -in $_.Sets } | Select-Object -First 1
    }

    return $match
}

function Write-Paragraphs {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs)

    if ($Paragraphs.Count -eq 0) {
        $Writer.WriteElementString('maml', 'para', $MamlNamespace, '')
    }

    foreach ($paragraph in $Paragraphs) {
        $Writer.WriteElementString('maml', 'para', $MamlNamespace, $paragraph)
    }
}

function Write-Description {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs)

    $Writer.WriteStartElement('maml', 'description', $MamlNamespace)
    Write-Paragraphs $Writer $Paragraphs
    $Writer.WriteEndElement()
}

function Write-TypeElement {
    param([System.Xml.XmlWriter] $Writer, [string] $TypeName)

    $Writer.WriteStartElement('dev', 'type', $DevNamespace)
    $Writer.WriteElementString('maml', 'name', $MamlNamespace, $TypeName)
    $Writer.WriteElementString('maml', 'uri', $MamlNamespace, '')
    $Writer.WriteEndElement()
}

function Write-Parameter {
    # Writes one command:parameter element. In syntax items a switch has no value element, so
    # Get-Help shows "[-Name]" rather than "[-Name <SwitchParameter>]".
    param(
        [System.Xml.XmlWriter] $Writer,
        [object] $Parameter,
        [object] $Metadata,
        [bool] $InSyntax
    )

    $isSwitch = $Metadata.Type -eq 'SwitchParameter'
    $position = if ($Metadata.Position -match '^\d+$') { $Metadata.Position } else { 'named' }
    $aliases = if ($Metadata.Aliases -and $Metadata.Aliases -ne 'None') { $Metadata.Aliases } else { 'none' }
    $pipelineInput = if ($Metadata.PipelineInput) { $Metadata.PipelineInput } else { 'False' }

    $Writer.WriteStartElement('command', 'parameter', $CommandNamespace)
    $Writer.WriteAttributeString('required', $Metadata.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $Metadata.Type.EndsWith('[]').ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Metadata.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $pipelineInput)
    $Writer.WriteAttributeString('position', $position)
    $Writer.WriteAttributeString('aliases', $aliases)
    $Writer.WriteElementString('maml', 'name', $MamlNamespace, $Parameter.Name)
    Write-Description $Writer $Parameter.Description

    if ($Metadata.AcceptedValues.Count -gt 0) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $CommandNamespace)
        foreach ($value in $Metadata.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $CommandNamespace)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('command', 'variableLength', $CommandNamespace, 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }

        $Writer.WriteEndElement()
    }

    if (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNamespace)
        $Writer.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', $Metadata.Type.EndsWith('[]').ToString().ToLowerInvariant())
        $Writer.WriteString($Metadata.Type)
        $Writer.WriteEndElement()
    }

    Write-TypeElement $Writer $Metadata.Type
    $Writer.WriteElementString('dev', 'defaultValue', $DevNamespace, $(if ($Metadata.DefaultValue) { $Metadata.DefaultValue } else { 'None' }))
    $Writer.WriteEndElement()
}

function Get-SyntaxParameters {
    # Orders a parameter set's parameters as its syntax block lists them, so the MAML syntax
    # reads like the markdown; parameters the block leaves out follow in position order.
    param([object] $Help, [object] $SyntaxItem)

    $members = foreach ($parameter in $Help.Parameters) {
        $metadata = Get-MetadataForSet $parameter $SyntaxItem.Set
        if ($null -eq $metadata) {
            continue
        }

        $match = [regex]::Match($SyntaxItem.Text, "(?<![\w-])-$([regex]::Escape($parameter.Name))\b")
        $order = if ($match.Success) { $match.Index } else { [int]::MaxValue }
        $position = if ($metadata.Position -match '^\d+$') { [int] $metadata.Position } else { [int]::MaxValue }
        [pscustomobject]@{ Parameter = $parameter; Metadata = $metadata; Order = $order; Position = $position }
    }

    return @($members | Sort-Object Order, Position)
}

function Test-SyntaxReferences {
    # Rejects a syntax block that names a parameter the PARAMETERS section does not document.
    # A parameter name in a syntax line follows "[" or a space; the dash in "Verb-Noun" does not.
    param([object] $Help)

    $documented = @($Help.Parameters | ForEach-Object { $_.Name })
    foreach ($item in $Help.Syntax) {
        foreach ($match in [regex]::Matches($item.Text, '(?<=[\[\s])-(\w+)')) {
            $name = $match.Groups[1].Value
            if ($name -notin $documented) {
                throw "$($Help.File): the syntax block '$($item.Set)' names -$name, which '## PARAMETERS' does not document."
            }
        }
    }
}

function Write-Command {
    param([System.Xml.XmlWriter] $Writer, [object] $Help)

    $Writer.WriteStartElement('command', 'command', $CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $MamlNamespace)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $CommandNamespace)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $DevNamespace)

    $Writer.WriteStartElement('command', 'details', $CommandNamespace)
    $Writer.WriteElementString('command', 'name', $CommandNamespace, $Help.Name)
    $Writer.WriteElementString('command', 'verb', $CommandNamespace, $Help.Verb)
    $Writer.WriteElementString('command', 'noun', $CommandNamespace, $Help.Noun)
    Write-Description $Writer @($Help.Synopsis)
    $Writer.WriteEndElement()

    Write-Description $Writer $Help.Description

    $Writer.WriteStartElement('command', 'syntax', $CommandNamespace)
    foreach ($item in $Help.Syntax) {
        $Writer.WriteStartElement('command', 'syntaxItem', $CommandNamespace)
        $Writer.WriteElementString('maml', 'name', $MamlNamespace, $Help.Name)
        foreach ($member in Get-SyntaxParameters $Help $item) {
            Write-Parameter $Writer $member.Parameter $member.Metadata $true
        }

        $Writer.WriteEndElement()
    }

    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $CommandNamespace)
    foreach ($parameter in $Help.Parameters) {
        Write-Parameter $Writer $parameter $parameter.Metadata[0] $false
    }

    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'inputTypes', $CommandNamespace)
    foreach ($input in $Help.Inputs) {
        $Writer.WriteStartElement('command', 'inputType', $CommandNamespace)
        Write-TypeElement $Writer $input.Type
        Write-Description $Writer $input.Description
        $Writer.WriteEndElement()
    }

    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'returnValues', $CommandNamespace)
    foreach ($output in $Help.Outputs) {
        $Writer.WriteStartElement('command', 'returnValue', $CommandNamespace)
        Write-TypeElement $Writer $output.Type
        Write-Description $Writer $output.Description
        $Writer.WriteEndElement()
    }

    $Writer.WriteEndElement()

    if ($Help.Notes.Count -gt 0) {
        $Writer.WriteStartElement('maml', 'alertSet', $MamlNamespace)
        $Writer.WriteStartElement('maml', 'alert', $MamlNamespace)
        Write-Paragraphs $Writer $Help.Notes
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $CommandNamespace)
    foreach ($example in $Help.Examples) {
        $Writer.WriteStartElement('command', 'example', $CommandNamespace)
        $Writer.WriteElementString('maml', 'title', $MamlNamespace, "---------- $($example.Title) ----------")
        $Writer.WriteStartElement('maml', 'introduction', $MamlNamespace)
        Write-Paragraphs $Writer $example.Introduction
        $Writer.WriteEndElement()
        $Writer.WriteElementString('dev', 'code', $DevNamespace, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $DevNamespace)
        Write-Paragraphs $Writer $example.Remarks
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $CommandNamespace)
    foreach ($link in $Help.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNamespace)
        $Writer.WriteElementString('maml', 'linkText', $MamlNamespace, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $MamlNamespace, $link.Uri)
        $Writer.WriteEndElement()
    }

    $Writer.WriteEndElement()
    $Writer.WriteEndElement()
}

function Write-MamlFile {
    param([string] $Path, [object[]] $Commands)

    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', $HelpItemsNamespace)
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($command in $Commands | Sort-Object Name) {
            Write-Command $writer $command
        }

        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}

function Get-ParameterYaml {
    # Returns the yaml metadata lines of a compiled parameter in one parameter set.
    param([System.Management.Automation.CommandParameterInfo] $Parameter, [string] $Sets)

    $type = $Parameter.ParameterType
    if ([Nullable]::GetUnderlyingType($type)) {
        $type = [Nullable]::GetUnderlyingType($type)
    }

    $accepted = @()
    $validateSet = $Parameter.Attributes |
        Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } |
        Select-Object -First 1
    if ($null -ne $validateSet) {
        $accepted = $validateSet.ValidValues
    }
    elseif (($type.IsArray -and $type.GetElementType().IsEnum) -or $type.IsEnum) {
        $accepted = [enum]::GetNames($(if ($type.IsArray) { $type.GetElementType() } else { $type }))
    }

    $pipeline = @(
        if ($Parameter.ValueFromPipeline) { 'ByValue' }
        if ($Parameter.ValueFromPipelineByPropertyName) { 'ByPropertyName' }
    )
    $globbing = [bool]($Parameter.Attributes |
            Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })

    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add("Type: $($type.Name)")
    $lines.Add("Parameter Sets: $Sets")
    $lines.Add("Aliases: $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { '' })".TrimEnd())
    if ($accepted.Count -gt 0) {
        $lines.Add("Accepted values: $($accepted -join ', ')")
    }

    $lines.Add('')
    $lines.Add("Required: $($Parameter.IsMandatory)")
    $lines.Add("Position: $(if ($Parameter.Position -ge 0) { $Parameter.Position } else { 'Named' })")
    $lines.Add('Default value: None')
    $lines.Add("Accept pipeline input: $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' })")
    $lines.Add("Accept wildcard characters: $globbing")
    return $lines
}

function Test-HiddenParameter {
    # Returns whether a parameter is declared with DontShow, which keeps it out of help.
    param([System.Management.Automation.ParameterMetadata] $Parameter)

    return [bool]($Parameter.Attributes | Where-Object {
            $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow
        })
}

function Get-SyntaxMarkdown {
    # Returns the SYNTAX section body of a compiled cmdlet: one code block per parameter set,
    # under a "### SetName" heading when there is more than one set. Hidden parameters are left
    # out, as Get-Command leaves them out of its syntax.
    param([System.Management.Automation.CommandInfo] $Command)

    $lines = [System.Collections.Generic.List[string]]::new()
    $singleSet = $Command.ParameterSets.Count -eq 1
    foreach ($set in $Command.ParameterSets) {
        $lines.Add('')
        if (-not $singleSet) {
            $default = if ($set.IsDefault) { ' (Default)' } else { '' }
            $lines.Add("### $($set.Name)$default")
        }

        $line = "$($Command.Name) $set"
        foreach ($hidden in $Command.Parameters.Values | Where-Object { Test-HiddenParameter $_ }) {
            $line = $line -replace "\s\[-$($hidden.Name)( <[^>]+>)?\]", ''
        }

        $lines.Add('```')
        $lines.AddRange([string[]] (Format-SyntaxLine $line))
        $lines.Add('```')
    }

    $lines.Add('')
    return $lines
}

function Format-SyntaxLine {
    # Wraps a syntax line at about 100 columns between parameters, never inside brackets, and
    # starts each continuation line with a space.
    param([string] $Line)

    $items = [System.Collections.Generic.List[string]]::new()
    $depth = 0
    $start = 0
    for ($index = 0; $index -lt $Line.Length; $index++) {
        switch ($Line[$index]) {
            '[' { $depth++ }
            ']' { $depth-- }
            ' ' {
                if ($depth -eq 0) {
                    $items.Add($Line.Substring($start, $index - $start))
                    $start = $index + 1
                }
            }
        }
    }

    $items.Add($Line.Substring($start))
    $wrapped = [System.Collections.Generic.List[string]]::new()
    $current = ''
    foreach ($item in $items) {
        if ($current.Length -gt 0 -and $current.Length + 1 + $item.Length -gt 100) {
            $wrapped.Add($current)
            $current = ' ' + $item
        }
        elseif ($current.Length -gt 0) {
            $current += ' ' + $item
        }
        else {
            $current = $item
        }
    }

    $wrapped.Add($current)
    return $wrapped
}

function Get-ParameterYamlBlocks {
    # Returns the yaml blocks of one compiled parameter: one block when it has the same
    # attributes in every parameter set, else one block per set. DefaultValue comes from the
    # existing markdown, because the compiled metadata does not hold it.
    param(
        [System.Management.Automation.CommandInfo] $Command,
        [string] $Name,
        [string] $DefaultValue
    )

    $lines = [System.Collections.Generic.List[string]]::new()
    $inAllSets = $Command.ParameterSets.Count -eq 1 -or
        $Command.Parameters[$Name].ParameterSets.ContainsKey('__AllParameterSets')
    foreach ($set in $Command.ParameterSets) {
        $parameter = $set.Parameters | Where-Object Name -eq $Name
        if ($null -eq $parameter) {
            continue
        }

        $setName = if ($inAllSets) { $AllParameterSets } else { $set.Name }
        $lines.Add('')
        $lines.Add('```yaml')
        foreach ($line in Get-ParameterYaml $parameter $setName) {
            if ($line -eq 'Default value: None' -and $DefaultValue) {
                $line = "Default value: $DefaultValue"
            }

            $lines.Add($line)
        }

        $lines.Add('```')
        if ($inAllSets) {
            break
        }
    }

    $lines.Add('')
    return $lines
}

function Get-VisibleParameterNames {
    param([System.Management.Automation.CommandInfo] $Command)

    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    return @($Command.Parameters.Values |
            Where-Object { $_.Name -notin $common -and -not (Test-HiddenParameter $_) } |
            ForEach-Object Name | Sort-Object)
}

function Split-MarkdownLines {
    # Splits markdown lines into chunks that each start at a heading of the given level,
    # ignoring headings inside code blocks. The first chunk holds the lines before any heading.
    param([string[]] $Lines, [int] $Level)

    $prefix = ('#' * $Level) + ' '
    $chunks = [System.Collections.Generic.List[object]]::new()
    $current = [System.Collections.Generic.List[string]]::new()
    $inCode = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*(```|~~~)') {
            $inCode = -not $inCode
        }

        if (-not $inCode -and $line.StartsWith($prefix)) {
            $chunks.Add($current)
            $current = [System.Collections.Generic.List[string]]::new()
        }

        $current.Add($line)
    }

    $chunks.Add($current)
    return , $chunks
}

function Get-ProseLines {
    # Returns the lines of a "### -Name" chunk before its first yaml block, without the heading
    # and without blank lines at either end.
    param([System.Collections.Generic.List[string]] $Chunk)

    $prose = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $Chunk | Select-Object -Skip 1) {
        if ($line -match '^\s*```yaml') {
            break
        }

        $prose.Add($line)
    }

    while ($prose.Count -gt 0 -and -not $prose[0].Trim()) {
        $prose.RemoveAt(0)
    }

    while ($prose.Count -gt 0 -and -not $prose[-1].Trim()) {
        $prose.RemoveAt($prose.Count - 1)
    }

    return $prose
}

function Update-ParametersSection {
    # Rebuilds the "## PARAMETERS" section from the compiled cmdlet, keeping the prose and the
    # default values of the parameters that still exist.
    param([System.Management.Automation.CommandInfo] $Command, [string[]] $SectionLines, [string] $File)

    $chunks = Split-MarkdownLines $SectionLines 3
    $existing = @{}
    $common = $null
    foreach ($chunk in $chunks | Select-Object -Skip 1) {
        if ($chunk[0] -match '^### -(\w+)\s*$') {
            $existing[$Matches[1]] = $chunk
        }
        elseif ($chunk[0] -match '^### CommonParameters') {
            $common = $chunk
        }
    }

    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.AddRange([string[]] $chunks[0])
    foreach ($name in Get-VisibleParameterNames $Command) {
        $lines.Add("### -$name")
        $default = ''
        if ($existing.ContainsKey($name)) {
            $lines.AddRange([string[]] (Get-ProseLines $existing[$name]))
            $match = $existing[$name] | Where-Object { $_ -match '^Default value:\s*(.*?)\s*$' } | Select-Object -First 1
            if ($match -and $match -match '^Default value:\s*(.*?)\s*$') {
                $default = $Matches[1]
            }
        }
        else {
            $lines.Add("{{ Fill in the $name Description }}")
        }

        $lines.AddRange([string[]] (Get-ParameterYamlBlocks $Command $name $default))
    }

    foreach ($name in $existing.Keys | Where-Object { $_ -notin (Get-VisibleParameterNames $Command) }) {
        Write-Warning "${File}: removed the section of -$name, which $($Command.Name) no longer has."
    }

    if ($null -eq $common) {
        $common = @(
            '### CommonParameters'
            'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable,'
            '-InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable,'
            '-ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see'
            'about_CommonParameters.'
            ''
        )
    }

    $lines.AddRange([string[]] $common)
    return $lines
}

function Update-CommandMarkdown {
    # Replaces the SYNTAX section and the parameter metadata of an existing markdown file with
    # what the compiled cmdlet declares. Returns whether the file changed.
    param([System.Management.Automation.CommandInfo] $Command, [string] $Path)

    $original = [System.IO.File]::ReadAllText($Path)
    $sections = Split-MarkdownLines ($original -split "\r?\n") 2
    $lines = [System.Collections.Generic.List[string]]::new()
    foreach ($section in $sections) {
        if ($section[0] -match '^## SYNTAX\s*$') {
            $lines.Add($section[0])
            $lines.AddRange([string[]] (Get-SyntaxMarkdown $Command))
        }
        elseif ($section[0] -match '^## PARAMETERS\s*$') {
            $lines.AddRange([string[]] (Update-ParametersSection $Command $section $Path))
        }
        else {
            $lines.AddRange([string[]] $section)
        }
    }

    $updated = $lines -join "`n"
    if ($updated -eq $original) {
        return $false
    }

    [System.IO.File]::WriteAllText($Path, $updated, [System.Text.UTF8Encoding]::new($false))
    return $true
}

function New-SkeletonMarkdown {
    # Builds the markdown of an undocumented cmdlet from its compiled metadata. Every prose
    # field is a placeholder, so the help tests fail until someone writes the text.
    param([System.Management.Automation.CommandInfo] $Command)

    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.AddRange([string[]] @(
            '---'
            "external help file: $DefaultHelpFile"
            "Module Name: $ModuleName"
            'online version:'
            'schema: 2.0.0'
            '---'
            ''
            "# $($Command.Name)"
            ''
            '## SYNOPSIS'
            '{{ Fill in the Synopsis }}'
            ''
            '## SYNTAX'
        ))
    $lines.AddRange([string[]] (Get-SyntaxMarkdown $Command))
    $lines.AddRange([string[]] @('## DESCRIPTION', '{{ Fill in the Description }}', '', '## EXAMPLES'))
    foreach ($number in 1, 2) {
        $lines.AddRange([string[]] @(
                ''
                "### Example ${number}: {{ Fill in the title }}"
                '```powershell'
                "{{ Fill in example $number }}"
                '```'
                ''
                "{{ Fill in what example $number does }}"
            ))
    }

    $lines.AddRange([string[]] @('', '## PARAMETERS', ''))
    $parameters = Update-ParametersSection $Command @('## PARAMETERS', '') $Command.Name
    $lines.AddRange([string[]] ($parameters | Select-Object -Skip 2))
    $lines.AddRange([string[]] @('## INPUTS', '', '### None', '{{ Fill in the inputs }}', '', '## OUTPUTS'))
    foreach ($type in $Command.OutputType) {
        $lines.AddRange([string[]] @('', "### $($type.Name)", "{{ Fill in the $($type.Name) output }}"))
    }

    $lines.AddRange([string[]] @('', '## NOTES', '', '## RELATED LINKS', '', '[about_CookieCutter]()', ''))
    return $lines -join "`n"
}

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
            [System.IO.File]::WriteAllText($target, (New-SkeletonMarkdown $command), [System.Text.UTF8Encoding]::new($false))
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
