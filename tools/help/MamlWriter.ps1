# Writes cmdlet help objects from HelpMarkdown.ps1 as MAML, the XML that Get-Help reads.
# Dot-sourced by Build-Help.ps1, whose script variables (XML namespaces) it uses.

function Get-MetadataForSet {
    param([object] $Parameter, [string] $Set)

    $match = $Parameter.Metadata | Where-Object { $Set -in $_.Sets } | Select-Object -First 1
    if ($null -eq $match) {
        $match = $Parameter.Metadata |
            Where-Object { $AllParameterSets -in $_.Sets } |
            Select-Object -First 1
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
    $variableLength = $Metadata.Type.EndsWith('[]').ToString().ToLowerInvariant()
    $defaultValue = if ($Metadata.DefaultValue) { $Metadata.DefaultValue } else { 'None' }
    $position = if ($Metadata.Position -match '^\d+$') { $Metadata.Position } else { 'named' }
    $aliases = 'none'
    if ($Metadata.Aliases -and $Metadata.Aliases -ne 'None') {
        $aliases = $Metadata.Aliases
    }

    $pipelineInput = if ($Metadata.PipelineInput) { $Metadata.PipelineInput } else { 'False' }

    $Writer.WriteStartElement('command', 'parameter', $CommandNamespace)
    $Writer.WriteAttributeString('required', $Metadata.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $variableLength)
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
        $Writer.WriteAttributeString('variableLength', $variableLength)
        $Writer.WriteString($Metadata.Type)
        $Writer.WriteEndElement()
    }

    Write-TypeElement $Writer $Metadata.Type
    $Writer.WriteElementString('dev', 'defaultValue', $DevNamespace, $defaultValue)
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

        $pattern = "(?<![\w-])-$([regex]::Escape($parameter.Name))\b"
        $match = [regex]::Match($SyntaxItem.Text, $pattern)
        $order = if ($match.Success) { $match.Index } else { [int]::MaxValue }
        $position = [int]::MaxValue
        if ($metadata.Position -match '^\d+$') {
            $position = [int] $metadata.Position
        }

        [pscustomobject]@{
            Parameter = $parameter; Metadata = $metadata; Order = $order; Position = $position
        }
    }

    return @($members | Sort-Object Order, Position)
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
    foreach ($inputType in $Help.Inputs) {
        $Writer.WriteStartElement('command', 'inputType', $CommandNamespace)
        Write-TypeElement $Writer $inputType.Type
        Write-Description $Writer $inputType.Description
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
        $title = "---------- $($example.Title) ----------"
        $Writer.WriteElementString('maml', 'title', $MamlNamespace, $title)
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
