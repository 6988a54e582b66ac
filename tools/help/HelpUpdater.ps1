# Brings markdown help in line with compiled cmdlets: syntax blocks, yaml metadata, and
# skeleton files for undocumented cmdlets. Dot-sourced by Build-Help.ps1.

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
        $enumType = if ($type.IsArray) { $type.GetElementType() } else { $type }
        $accepted = [enum]::GetNames($enumType)
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
    $lines.Add("Aliases: $($Parameter.Aliases -join ', ')".TrimEnd())
    if ($accepted.Count -gt 0) {
        $lines.Add("Accepted values: $($accepted -join ', ')")
    }

    $lines.Add('')
    $lines.Add("Required: $($Parameter.IsMandatory)")
    $position = if ($Parameter.Position -ge 0) { $Parameter.Position } else { 'Named' }
    $lines.Add("Position: $position")
    $lines.Add('Default value: None')
    $pipelineInput = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
    $lines.Add("Accept pipeline input: $pipelineInput")
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
    param(
        [System.Management.Automation.CommandInfo] $Command,
        [string[]] $SectionLines,
        [string] $File
    )

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
            $defaultPattern = '^Default value:\s*(.*?)\s*$'
            $match = $existing[$name] |
                Where-Object { $_ -match $defaultPattern } |
                Select-Object -First 1
            if ($match -and $match -match $defaultPattern) {
                $default = $Matches[1]
            }
        }
        else {
            $lines.Add("{{ Fill in the $name Description }}")
        }

        $lines.AddRange([string[]] (Get-ParameterYamlBlocks $Command $name $default))
    }

    $visible = Get-VisibleParameterNames $Command
    foreach ($name in $existing.Keys | Where-Object { $_ -notin $visible }) {
        $message = "${File}: removed the section of -$name, which $($Command.Name) does not have."
        Write-Warning $message
    }

    if ($null -eq $common) {
        $common = @(
            '### CommonParameters'
            'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable,'
            '-InformationAction, -InformationVariable, -OutBuffer, -OutVariable, -PipelineVariable,'
            '-ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information,'
            'see about_CommonParameters.'
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
    $lines.AddRange([string[]] @(
            '## DESCRIPTION'
            '{{ Fill in the Description }}'
            ''
            '## EXAMPLES'
        ))
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
    $lines.AddRange([string[]] @(
            '## INPUTS'
            ''
            '### None'
            '{{ Fill in the inputs }}'
            ''
            '## OUTPUTS'
        ))
    foreach ($type in $Command.OutputType) {
        $lines.AddRange([string[]] @(
                ''
                "### $($type.Name)"
                "{{ Fill in the $($type.Name) output }}"
            ))
    }

    $lines.AddRange([string[]] @(
            ''
            '## NOTES'
            ''
            '## RELATED LINKS'
            ''
            '[about_CookieCutter]()'
            ''
        ))
    return $lines -join "`n"
}
