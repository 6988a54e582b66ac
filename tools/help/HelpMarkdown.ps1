# Reads markdown help in the PlatyPS layout into one object per cmdlet. Dot-sourced by
# Build-Help.ps1, whose script variables (section names, defaults) it uses.

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
            $message = "Expected 'Key: Value' in the yaml block, found '$line'."
            Stop-HelpSource $File $lineNumber $message
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
                $known = $KnownSections -join ', '
                $message = "Unknown section '## $($block.Text)'. Known sections: $known."
                Stop-HelpSource $File $block.Line $message
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
    $body = @($lines | Select-Object -Skip $frontMatter.BodyStart)
    $firstLine = $frontMatter.BodyStart + 1
    $blocks = ConvertFrom-HelpMarkdown -Lines $body -FirstLineNumber $firstLine -File $file

    $title = $blocks |
        Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 } |
        Select-Object -First 1
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
        $message = "The title '$name' does not match the file name '$($Source.Name)'."
        Stop-HelpSource $file $title.Line $message
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
        if (-not $setName) {
            $setName = $AllParameterSets
        }

        [pscustomobject]@{ Set = $setName; Text = $code.Text }
    }

    $examples = foreach ($subsection in Split-Subsections $sections['EXAMPLES'] $file 'EXAMPLES') {
        if ($subsection.Title -notmatch '^Example\s+\d+') {
            $title = $subsection.Title
            $message = "An example heading must start with 'Example N', found '$title'."
            Stop-HelpSource $file $subsection.Line $message
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

    $parameterSections = Split-Subsections $sections['PARAMETERS'] $file 'PARAMETERS'
    $parameters = foreach ($subsection in $parameterSections) {
        if ($subsection.Title -eq 'CommonParameters') {
            continue
        }

        if ($subsection.Title -notmatch '^-(\w+)$') {
            $message = "A parameter heading must be '### -Name', found '### $($subsection.Title)'."
            Stop-HelpSource $file $subsection.Line $message
        }

        $parameterName = $Matches[1]
        $yaml = @($subsection.Blocks |
                Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yaml.Count -eq 0) {
            $message = "The parameter -$parameterName has no yaml metadata block."
            Stop-HelpSource $file $subsection.Line $message
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
                        $message = "Each entry of '## $section' needs a '### TypeName' heading."
                        Stop-HelpSource $file $subsection.Line $message
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
                    $message = "A related link must be '[Text](uri)', found '$rest'."
                    Stop-HelpSource $file $block.Line $message
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

function Test-SyntaxReferences {
    # Rejects a syntax block that names a parameter the PARAMETERS section does not document.
    # A parameter name in a syntax line follows "[" or a space; the dash in "Verb-Noun" does not.
    param([object] $Help)

    $documented = @($Help.Parameters | ForEach-Object { $_.Name })
    foreach ($item in $Help.Syntax) {
        foreach ($match in [regex]::Matches($item.Text, '(?<=[\[\s])-(\w+)')) {
            $name = $match.Groups[1].Value
            if ($name -notin $documented) {
                throw "$($Help.File): the syntax block '$($item.Set)' names -$name, " +
                    "which '## PARAMETERS' does not document."
            }
        }
    }
}
