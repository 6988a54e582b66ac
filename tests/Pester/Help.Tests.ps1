#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Checks that every exported cmdlet has complete help, and that the markdown sources in
# docs/help and the compiled cmdlets describe the same parameters. Run after ./build.ps1, which
# compiles the markdown into en-US/CookieCutter.PowerShell.dll-Help.xml.

BeforeDiscovery {
    $root = (Resolve-Path "$PSScriptRoot/../..").Path
    Import-Module "$root/CookieCutter.psd1" -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters

    $cmdletCases = foreach ($command in Get-Command -Module CookieCutter -CommandType Cmdlet) {
        $visible = $command.Parameters.Values | Where-Object {
            $_.Name -notin $common -and -not ($_.Attributes | Where-Object {
                    $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow
                })
        }
        @{ Name = $command.Name; Parameters = @($visible | ForEach-Object Name | Sort-Object) }
    }

    $helpSources = & "$root/tools/Build-Help.ps1" -SourcePath "$root/docs/help" -Read
    $sourceCases = foreach ($source in $helpSources) {
        @{ Name = $source.Name }
    }
}

BeforeAll {
    $root = (Resolve-Path "$PSScriptRoot/../..").Path
    $compiler = Join-Path $root 'tools/Build-Help.ps1'
    Import-Module "$root/CookieCutter.psd1" -Force
    $sources = @{}
    foreach ($source in & $compiler -SourcePath "$root/docs/help" -Read) {
        $sources[$source.Name] = $source
    }

    # Returns the text of a help description (an array of paragraph objects) as one string.
    function Get-HelpText {
        param([object] $Description)

        return (@($Description) | Where-Object { $_ } | ForEach-Object { $_.Text }) -join "`n"
    }

    # Returns whether text is written prose: not empty and not a skeleton placeholder.
    function Test-Prose {
        param([string] $Text)

        return -not [string]::IsNullOrWhiteSpace($Text) -and $Text -notmatch '\{\{.*\}\}'
    }
}

Describe 'Help of <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
        $source = $sources[$Name]
    }

    It 'has a markdown source' {
        $source | Should -Not -BeNullOrEmpty -Because "docs/help/$Name.md should document $Name"
    }

    It 'has a compiled synopsis' {
        $because = 'Get-Help shows the syntax as the synopsis when it finds no MAML help'
        $help.Synopsis | Should -Not -Match "^\s*$Name\s" -Because $because
        Test-Prose $help.Synopsis | Should -BeTrue -Because 'the synopsis should be prose'
    }

    It 'has a description' {
        Test-Prose (Get-HelpText $help.description) | Should -BeTrue
    }

    It 'has at least two examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'has code and an explanation in every example' {
        foreach ($example in @($help.examples.example)) {
            $title = "'$($example.title.Trim(' -'))'"
            $example.code | Should -Not -BeNullOrEmpty -Because "$title should show a command"
            $example.code | Should -Not -Match '\{\{' -Because "$title should not be a placeholder"
            Test-Prose (Get-HelpText $example.remarks) |
                Should -BeTrue -Because "$title should explain what it does"
        }
    }

    It 'describes output types' {
        foreach ($type in $command.OutputType) {
            $expected = if ($type.Name -eq 'System.Void') { 'None' } else { $type.Name }
            @($source.Outputs.Type) |
                Should -Contain $expected -Because "$Name declares [OutputType($($type.Name))]"
        }

        foreach ($output in $source.Outputs) {
            Test-Prose ($output.Description -join ' ') |
                Should -BeTrue -Because "output $($output.Type) should be described"
        }
    }

    It 'describes inputs' {
        $source.Inputs.Count |
            Should -BeGreaterThan 0 -Because "'## INPUTS' should name what can be piped in, or None"
        foreach ($inputType in $source.Inputs) {
            Test-Prose ($inputType.Description -join ' ') |
                Should -BeTrue -Because "input $($inputType.Type) should be described"
        }
    }

    It 'matches the compiled help' {
        $because = 'the MAML should be compiled from the current markdown; run ./build.ps1'
        $help.Synopsis.Trim() | Should -BeExactly $source.Synopsis -Because $because
    }

    It 'describes -<_>' -ForEach $Parameters {
        $parameter = @($help.parameters.parameter) | Where-Object name -eq $_
        $parameter | Should -Not -BeNullOrEmpty -Because "the compiled help should have -$_"
        Test-Prose (Get-HelpText $parameter.description) |
            Should -BeTrue -Because "-$_ should say what it sets"
    }

    It 'documents -<_> in markdown' -ForEach $Parameters {
        $source.Parameters.Name |
            Should -Contain $_ -Because "docs/help/$Name.md should have a '### -$_' section"
    }

    It 'documents only parameters that exist' {
        foreach ($documented in $source.Parameters) {
            $parameterName = $documented.Name
            $because = "docs/help/$Name.md documents -$parameterName, which $Name does not have"
            $Parameters | Should -Contain $documented.Name -Because $because
        }
    }

    It 'has yaml metadata matching -<_>' -ForEach $Parameters {
        $documented = $source.Parameters | Where-Object Name -eq $_
        if ($null -eq $documented) {
            Set-ItResult -Skipped -Because "-$_ is not documented; another test reports that"
            return
        }

        $compiled = $command.Parameters[$_]
        $type = $compiled.ParameterType
        if ([Nullable]::GetUnderlyingType($type)) {
            $type = [Nullable]::GetUnderlyingType($type)
        }

        foreach ($metadata in $documented.Metadata) {
            $metadata.Type |
                Should -Be $type.Name -Because "the yaml Type of -$_ should be the compiled type"
            $sets = $metadata.Sets
            if ($metadata.Sets -contains '(All)') {
                $sets = $compiled.ParameterSets.Keys
            }

            foreach ($set in $sets) {
                $setKey = $set
                if (-not $compiled.ParameterSets.ContainsKey($set)) {
                    $setKey = '__AllParameterSets'
                }

                $compiled.ParameterSets.ContainsKey($setKey) |
                    Should -BeTrue -Because "-$_ is documented in the parameter set '$set'"
                $attribute = $compiled.ParameterSets[$setKey]
                $metadata.Required |
                    Should -Be $attribute.IsMandatory -Because "Required of -$_ in '$set'"
                $position = 'Named'
                if ($attribute.Position -ge 0) {
                    $position = "$($attribute.Position)"
                }

                $metadata.Position | Should -Be $position -Because "Position of -$_ in '$set'"
                $byValue = $metadata.PipelineInput -match 'ByValue'
                $byName = $metadata.PipelineInput -match 'ByPropertyName'
                $byValue | Should -Be $attribute.ValueFromPipeline -Because (
                    "pipeline input by value of -$_ in '$set'")
                $byName | Should -Be $attribute.ValueFromPipelineByPropertyName -Because (
                    "pipeline input by property name of -$_ in '$set'")
            }
        }
    }
}

Describe 'Help source <Name>' -ForEach $sourceCases {
    It 'documents an exported cmdlet' {
        $because = "docs/help/$Name.md documents a cmdlet that the module does not export"
        Get-Command $Name -Module CookieCutter -CommandType Cmdlet -ErrorAction SilentlyContinue |
            Should -Not -BeNullOrEmpty -Because $because
    }
}

Describe 'Help sources' {
    It 'match the compiled syntax and metadata' {
        # -Update rewrites the SYNTAX sections and yaml blocks from the compiled cmdlets, so a copy
        # that changes shows markdown that has drifted from the code.
        $copy = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sources')
        Copy-Item -Path "$root/docs/help/*.md" -Destination $copy
        $manifest = Join-Path $root 'CookieCutter.psd1'
        & $compiler -Update -SourcePath $copy -ModulePath $manifest -WarningAction SilentlyContinue
        foreach ($file in Get-ChildItem -Path $copy -Filter '*.md') {
            $original = Join-Path "$root/docs/help" $file.Name
            $original | Should -Exist -Because (
                "$($file.BaseName) has no markdown help; run tools/Build-Help.ps1 -Update " +
                'and write its prose')
            $expected = Get-Content -Raw $original
            Get-Content -Raw $file.FullName | Should -BeExactly $expected -Because (
                "docs/help/$($file.Name) differs from the compiled cmdlet; " +
                'run tools/Build-Help.ps1 -Update')
        }
    }
}

Describe 'Help compiler' {
    It 'writes MAML that parses as XML' {
        & $compiler -SourcePath "$root/docs/help" -OutputPath $TestDrive
        $file = Join-Path $TestDrive 'CookieCutter.PowerShell.dll-Help.xml'
        $file | Should -Exist
        $maml = [xml] (Get-Content -Raw $file)
        $names = @($maml.helpItems.command | ForEach-Object { $_.details.name })
        $names.Count | Should -Be $sources.Count
    }

    It 'rejects a parameter without yaml metadata' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'broken')
        Set-Content -Path (Join-Path $folder 'Get-Broken.md') -Value @(
            '# Get-Broken'
            '## SYNOPSIS', 'Gets.'
            '## SYNTAX', '```', 'Get-Broken [-Name <String>]', '```'
            '## DESCRIPTION', 'Gets.'
            '## EXAMPLES', '### Example 1', '```', 'Get-Broken', '```'
            '## PARAMETERS', '### -Name', 'A name.'
        )
        { & $compiler -SourcePath $folder -OutputPath $folder } |
            Should -Throw '*-Name has no yaml metadata block*'
    }

    It 'rejects an unknown section' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'unknown')
        $lines = @('# Get-Broken', '## SYNOPSYS', 'Gets.')
        Set-Content -Path (Join-Path $folder 'Get-Broken.md') -Value $lines
        { & $compiler -SourcePath $folder -OutputPath $folder } |
            Should -Throw "*Unknown section '## SYNOPSYS'*"
    }
}

Describe 'About topic' {
    It 'is found by Get-Help' {
        $topic = Get-Help about_CookieCutter
        $topic | Should -Not -BeNullOrEmpty
        ($topic | Out-String) | Should -Match 'THE SPEC LANGUAGE'
    }

    It 'names every exported cmdlet' {
        $text = Get-Content -Raw "$root/en-US/about_CookieCutter.help.txt"
        foreach ($command in Get-Command -Module CookieCutter -CommandType Cmdlet) {
            $because = "about_CookieCutter should map $($command.Name) to its classic command"
            $text | Should -Match ([regex]::Escape($command.Name)) -Because $because
        }
    }

    It 'maps every classic alias to its cmdlet' {
        $text = Get-Content -Raw "$root/en-US/about_CookieCutter.help.txt"
        foreach ($alias in Get-Command -Module CookieCutter -CommandType Alias) {
            $cmdlet = [regex]::Escape($alias.Definition)
            $pattern = "(?m)^\s*$cmdlet\s+$([regex]::Escape($alias.Name))\s"
            $because = "about_CookieCutter should show $($alias.Name) next to $($alias.Definition)"
            $text | Should -Match $pattern -Because $because
        }
    }
}
