#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Checks the module as a user meets it: the manifest, the classic aliases, a quiet and quick
# Import-Module, the table views, serialization of the output objects and tab completion.
# Run after ./build.ps1. The store tests use a store of plain folders under $TestDrive, so they
# mount nothing and need no base image.

BeforeDiscovery {
    $aliasCases = @(
        @{ Alias = 'cc-setup'; Cmdlet = 'Initialize-CcHost' }
        @{ Alias = 'cc-build-ubuntu-image'; Cmdlet = 'New-CcBaseImage' }
        @{ Alias = 'cc-build'; Cmdlet = 'New-CcImage' }
        @{ Alias = 'cc-run'; Cmdlet = 'Invoke-CcRun' }
        @{ Alias = 'cc-exec'; Cmdlet = 'Invoke-CcExec' }
        @{ Alias = 'cc-boot'; Cmdlet = 'Start-CcBoot' }
        @{ Alias = 'cc-stop'; Cmdlet = 'Stop-CcContainer' }
        @{ Alias = 'cc-remove'; Cmdlet = 'Remove-CcContainer' }
        @{ Alias = 'cc-save'; Cmdlet = 'Save-CcContainer' }
        @{ Alias = 'cc-gc'; Cmdlet = 'Clear-CcImage' }
        @{ Alias = 'cc-df'; Cmdlet = 'Get-CcDiskUsage' }
        @{ Alias = 'cc-mount'; Cmdlet = 'Mount-CcContainer' }
        @{ Alias = 'cc-umount'; Cmdlet = 'Dismount-CcContainer' }
    )

    $viewCases = @(
        @{ TypeName = 'CookieCutter.Engine.Store.ImageInfo' }
        @{ TypeName = 'CookieCutter.Engine.Store.ContainerInfo' }
        @{ TypeName = 'CookieCutter.Engine.Store.DiskUsageEntry' }
        @{ TypeName = 'CookieCutter.Engine.Spec.SpecStep' }
        @{ TypeName = 'CookieCutter.Engine.Build.CleanupResult' }
        @{ TypeName = 'CookieCutter.Engine.Store.RepairFinding' }
    )

    # Parameters that name an image, a container or a spec file, and the completer each needs.
    $root = (Resolve-Path "$PSScriptRoot/../..").Path
    Import-Module "$root/CookieCutter.psd1" -Force
    $completerCases = foreach ($command in Get-Command -Module CookieCutter -CommandType Cmdlet) {
        foreach ($parameter in $command.Parameters.Values) {
            $expected = switch -Regex ("$($command.Noun)/$($parameter.Name)") {
                '/(Image|FromImage)$' { 'ImageNameCompleter' }
                '^CcImage/Name$' { 'ImageNameCompleter' }
                '^(CcContainer|CcExec|CcRun|CcBoot)/Name$' { 'ContainerNameCompleter' }
                '^CcRun/Command$' { 'RunCommandCompleter' }
                '^CcExec/Command$' { 'ExecCommandCompleter' }
                '^(CcImage|CcBuildSpec)/(Spec|SpecPath|Path)$' { 'SpecFileCompleter' }
            }

            if ($expected) {
                @{ Cmdlet = $command.Name; Parameter = $parameter.Name; Completer = $expected }
            }
        }
    }
}

BeforeAll {
    $root = (Resolve-Path "$PSScriptRoot/../..").Path
    $manifestPath = Join-Path $root 'CookieCutter.psd1'
    $manifest = Import-PowerShellDataFile $manifestPath
    $module = Import-Module $manifestPath -Force -PassThru
    $classicAliases = @(
        'cc-setup', 'cc-build-ubuntu-image', 'cc-build', 'cc-run', 'cc-exec', 'cc-boot', 'cc-stop',
        'cc-remove', 'cc-save', 'cc-gc', 'cc-df', 'cc-mount', 'cc-umount'
    )

    # Runs a command in a fresh pwsh process and returns everything it printed. Under
    # `dotnet pwsh` the current process is dotnet, which needs the path of pwsh.dll.
    function Invoke-ChildPwsh {
        param([string] $Command)

        $program = [System.Environment]::ProcessPath
        $arguments = @('-NoProfile', '-NonInteractive', '-Command', $Command)
        if ([System.IO.Path]::GetFileNameWithoutExtension($program) -ne 'pwsh') {
            $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments
        }

        return (& $program @arguments 2>&1 | Out-String)
    }

    # Creates a store of plain folders in the classic layout: images web (two versions, the newer
    # one current, with a 3 MB file) and db (built on web), containers app1 (exited with code 3)
    # and fresh (never run), and folders that listings must skip.
    function New-TestStore {
        param([string] $Path)

        $older = '2026-11-01_10-00-00_000000001.aaaaaa'
        $newer = '2026-12-01_12-30-00_000000002.bbbbbb'
        foreach ($folder in @(
                'images/empty/diff', 'containers', 'locks', 'cache',
                "images/web/versions/$older/diff", "images/web/versions/$newer/diff/srv",
                "images/web/versions/.partial-$newer", "images/db/versions/$older/diff",
                'images/bad name/diff', 'containers/app1/diff', 'containers/app1/filesystem',
                'containers/fresh/diff', 'containers/bad name/diff'
            )) {
            $null = New-Item -ItemType Directory -Force -Path (Join-Path $Path $folder)
        }

        Set-Content -Path "$Path/images/web/versions/$older/from" -Value 'empty'
        Set-Content -Path "$Path/images/web/versions/$newer/from" -Value 'empty'
        $blob = "$Path/images/web/versions/$newer/diff/srv/blob"
        [System.IO.File]::WriteAllBytes($blob, [byte[]]::new(3000000))
        $null = New-Item -ItemType SymbolicLink -Path "$Path/images/web/current" `
            -Target "versions/$newer"
        Set-Content -Path "$Path/images/db/versions/$older/from" -Value "web/versions/$newer"
        $null = New-Item -ItemType SymbolicLink -Path "$Path/images/db/current" `
            -Target "versions/$older"

        Set-Content -Path "$Path/containers/app1/from" -Value "web/versions/$newer"
        Set-Content -Path "$Path/containers/app1/exit-code" -Value '3'
        Set-Content -Path "$Path/containers/app1/settings.json" `
            -Value '{ "Created": "2026-12-02T08:00:00Z" }'
        Set-Content -Path "$Path/containers/fresh/from" -Value "db/versions/$older"
        Set-Content -Path "$Path/containers/fresh/settings.json" `
            -Value '{ "Created": "2026-12-03T09:15:00Z" }'
        return [pscustomobject]@{ Root = $Path; OlderVersion = $older; NewerVersion = $newer }
    }

    # Returns the completion texts PowerShell offers at the end of a command line.
    function Get-CompletionText {
        param([string] $Line)

        $completion = TabExpansion2 -inputScript $Line -cursorColumn $Line.Length
        return @($completion.CompletionMatches.CompletionText)
    }
}

Describe 'Manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'lists every cmdlet of the assembly' {
        $implemented = $module.ImplementingAssembly.GetExportedTypes() |
            ForEach-Object {
                $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)
            } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" }
        foreach ($name in $implemented) {
            $manifest.CmdletsToExport |
                Should -Contain $name -Because "the assembly implements $name"
        }

        foreach ($name in $manifest.CmdletsToExport) {
            $implemented | Should -Contain $name -Because "the manifest lists $name"
        }
    }

    It 'exports the cmdlets it lists' {
        $listed = @($manifest.CmdletsToExport | Sort-Object)
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be $listed
    }

    It 'lists exactly the classic aliases' {
        @($manifest.AliasesToExport | Sort-Object) | Should -Be @($classicAliases | Sort-Object)
    }

    It 'exports the aliases it lists' {
        $listed = @($manifest.AliasesToExport | Sort-Object)
        @($module.ExportedAliases.Keys | Sort-Object) | Should -Be $listed
    }

    It 'exports no functions or variables' {
        @($manifest.FunctionsToExport).Count | Should -Be 0
        @($manifest.VariablesToExport).Count | Should -Be 0
    }

    It 'lists the format files' {
        $formatFiles = @(Get-ChildItem -Path $root -Filter '*.Format.ps1xml' -File |
                ForEach-Object Name)
        $formatFiles | Should -Contain 'CookieCutter.Format.ps1xml'
        @($manifest.FormatsToProcess | Sort-Object) | Should -Be @($formatFiles | Sort-Object)
    }

    It 'lists the type files' {
        $typeFiles = @(Get-ChildItem -Path $root -Filter '*.Types.ps1xml' -File |
                ForEach-Object Name | Sort-Object)
        @($manifest.TypesToProcess | Where-Object { $_ } | Sort-Object) | Should -Be $typeFiles
    }

    It 'uses approved verbs' {
        $approved = (Get-Verb).Verb
        foreach ($command in Get-Command -Module CookieCutter -CommandType Cmdlet) {
            $because = "$($command.Name) should use an approved verb"
            $approved | Should -Contain $command.Verb -Because $because
        }
    }

    It 'has the version of Directory.Build.props' {
        [xml] $props = Get-Content -Raw (Join-Path $root 'Directory.Build.props')
        $version = @($props.Project.PropertyGroup.Version | Where-Object { $_ })[0]
        $manifest.ModuleVersion | Should -Be $version
    }
}

Describe 'Classic alias <Alias>' -ForEach $aliasCases {
    It 'resolves to <Cmdlet>' {
        $alias = Get-Alias $Alias -ErrorAction SilentlyContinue
        $alias | Should -Not -BeNullOrEmpty -Because "$Alias should be exported"
        $alias.Definition | Should -Be $Cmdlet
    }

    It 'belongs to the module' {
        (Get-Alias $Alias -ErrorAction SilentlyContinue).ModuleName | Should -Be 'CookieCutter'
    }
}

Describe 'Import-Module' {
    It 'prints nothing' {
        $printed = Invoke-ChildPwsh "Import-Module '$manifestPath' *>&1 | Out-String"
        $printed.Trim() | Should -BeNullOrEmpty
    }

    It 'takes under a third of a second' {
        # The best of three fresh processes, so that one slow start does not fail the test.
        $times = foreach ($attempt in 1..3) {
            $printed = Invoke-ChildPwsh (
                "(Measure-Command { Import-Module '$manifestPath' }).TotalMilliseconds")
            [double] $printed.Trim()
        }

        ($times | Measure-Object -Minimum).Minimum | Should -BeLessThan 333
    }
}

Describe 'Store objects' {
    BeforeAll {
        $savedRoot = $env:COOKIECUTTER_ROOT
        $store = New-TestStore (Join-Path $TestDrive 'store')
        $env:COOKIECUTTER_ROOT = $store.Root
    }

    AfterAll {
        $env:COOKIECUTTER_ROOT = $savedRoot
    }

    It 'lists the images of the store' {
        $images = @(Get-CcImage -AllVersions)
        $images.Reference | Should -Be @(
            "db@$($store.OlderVersion)"
            "web@$($store.OlderVersion)"
            "web@$($store.NewerVersion)"
        )
    }

    It 'keeps image names, versions, sizes and dates through Clixml' {
        $images = @(Get-CcImage -AllVersions)
        $file = Join-Path $TestDrive 'images.xml'
        $images | Export-Clixml -Path $file
        $restored = @(Import-Clixml -Path $file)
        $restored.Count | Should -Be $images.Count
        for ($index = 0; $index -lt $images.Count; $index++) {
            $restored[$index].Name | Should -BeExactly $images[$index].Name
            $restored[$index].Version | Should -BeExactly $images[$index].Version
            $restored[$index].Reference | Should -BeExactly $images[$index].Reference
            $restored[$index].Size | Should -Be $images[$index].Size
            $restored[$index].Size | Should -BeOfType [long]
            $restored[$index].Created | Should -Be $images[$index].Created
            $restored[$index].Created.Kind | Should -Be ([DateTimeKind]::Utc)
            $restored[$index].IsCurrent | Should -Be $images[$index].IsCurrent
            $restored[$index].LayerCount | Should -Be $images[$index].LayerCount
        }
    }

    It 'keeps container names, states, sizes and dates through Clixml' {
        $containers = @(Get-CcContainer)
        $file = Join-Path $TestDrive 'containers.xml'
        $containers | Export-Clixml -Path $file
        $restored = @(Import-Clixml -Path $file)
        $restored.Name | Should -Be @('app1', 'fresh')
        for ($index = 0; $index -lt $containers.Count; $index++) {
            $restored[$index].State.ToString() | Should -Be $containers[$index].State.ToString()
            $restored[$index].Image | Should -BeExactly $containers[$index].Image
            $restored[$index].Size | Should -Be $containers[$index].Size
            $restored[$index].Created | Should -Be $containers[$index].Created
            $restored[$index].ExitCode | Should -Be $containers[$index].ExitCode
        }
    }

    It 'formats deserialized images with the table view' {
        $file = Join-Path $TestDrive 'view.xml'
        Get-CcImage web | Export-Clixml -Path $file
        $table = Import-Clixml -Path $file | Format-Table | Out-String -Width 200
        $table | Should -Match 'Age'
        $table | Should -Match '2\.9 MiB'
    }

    It 'formats deserialized containers with their state name' {
        $file = Join-Path $TestDrive 'container-view.xml'
        Get-CcContainer app1 | Export-Clixml -Path $file
        $table = Import-Clixml -Path $file | Format-Table | Out-String -Width 200
        $table | Should -Match 'Exited \(3\)'
    }

    It 'binds images to Invoke-CcRun by property name' {
        $image = Get-CcImage web
        $binding = Get-Command Invoke-CcRun | ForEach-Object { $_.Parameters['Image'] }
        $binding.Aliases | Should -Contain 'Reference'
        $image.Reference | Should -Be "web@$($store.NewerVersion)"
    }
}

Describe 'Pipeline binding' {
    BeforeAll {
        $savedRoot = $env:COOKIECUTTER_ROOT
        $store = New-TestStore (Join-Path $TestDrive 'store')
        $env:COOKIECUTTER_ROOT = $store.Root

        # Returns the properties of an object that bind to a parameter by property name.
        function Get-BindingProperty {
            param([object] $InputObject, [string] $Cmdlet, [string] $Parameter)

            $metadata = (Get-Command $Cmdlet).Parameters[$Parameter]
            $byName = $metadata.Attributes | Where-Object {
                $_ -is [System.Management.Automation.ParameterAttribute] -and
                $_.ValueFromPipelineByPropertyName
            }
            if (-not $byName) {
                return @()
            }

            $names = @($metadata.Name) + @($metadata.Aliases)
            return @($InputObject.PSObject.Properties.Name | Where-Object { $_ -in $names })
        }
    }

    AfterAll {
        $env:COOKIECUTTER_ROOT = $savedRoot
    }

    It 'binds containers to <_> by name' -ForEach @(
        'Stop-CcContainer', 'Remove-CcContainer', 'Mount-CcContainer', 'Dismount-CcContainer'
    ) {
        $errors = $null
        Get-CcContainer app1 | & $_ -WhatIf -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors | Should -BeNullOrEmpty
        (Get-CcContainer app1).IsMounted | Should -BeFalse -Because '-WhatIf should change nothing'
    }

    It 'binds images to <Cmdlet> -<Parameter>' -ForEach @(
        @{ Cmdlet = 'Invoke-CcRun'; Parameter = 'Image'; Property = 'Reference' }
        @{ Cmdlet = 'Start-CcBoot'; Parameter = 'Image'; Property = 'Reference' }
        @{ Cmdlet = 'Clear-CcImage'; Parameter = 'Name'; Property = 'Name' }
        @{ Cmdlet = 'Remove-CcImage'; Parameter = 'Name'; Property = 'Name' }
    ) {
        Get-BindingProperty (Get-CcImage web) $Cmdlet $Parameter | Should -Be @($Property)
    }

    It 'binds containers to <Cmdlet> -Name' -ForEach @(
        @{ Cmdlet = 'Invoke-CcExec' }
        @{ Cmdlet = 'Save-CcContainer' }
    ) {
        Get-BindingProperty (Get-CcContainer app1) $Cmdlet 'Name' | Should -Be @('Name')
    }

    It 'binds spec files to Test-CcBuildSpec' {
        $specPath = Join-Path $TestDrive 'pipeline.ccspec'
        $spec = New-Item -ItemType File -Path $specPath -Value "FROM web`nRUN true`n"
        $steps = @($spec | Test-CcBuildSpec)
        $steps.Count | Should -Be 2
        $steps[0].Instruction.ToString() | Should -Be 'From'
    }

    It 'sorts images by size' {
        $largest = @(Get-CcImage | Sort-Object Size -Descending | Select-Object -First 1)
        $largest[0].Name | Should -Be 'web'
        $largest[0].Size | Should -BeGreaterThan 2000000
    }
}

Describe 'Table view of <TypeName>' -ForEach $viewCases {
    It 'is a table' {
        $view = Get-FormatData -TypeName $TypeName
        $because = "CookieCutter.Format.ps1xml should have a view of $TypeName"
        $view | Should -Not -BeNullOrEmpty -Because $because
        $view.FormatViewDefinition[0].Control |
            Should -BeOfType [System.Management.Automation.TableControl]
    }

    It 'also applies to deserialized objects' {
        Get-FormatData -TypeName "Deserialized.$TypeName" | Should -Not -BeNullOrEmpty
    }
}

Describe 'Table views' {
    BeforeAll {
        $savedRoot = $env:COOKIECUTTER_ROOT
        $store = New-TestStore (Join-Path $TestDrive 'store')
        $env:COOKIECUTTER_ROOT = $store.Root
    }

    AfterAll {
        $env:COOKIECUTTER_ROOT = $savedRoot
    }

    It 'shows image columns with human sizes' {
        $table = Get-CcImage | Format-Table | Out-String -Width 200
        $header = $table -split "`n" |
            Where-Object { $_ -match '\bName\b' } |
            Select-Object -First 1
        foreach ($column in 'Name', 'Version', 'Current', 'Size', 'Age', 'Layers') {
            $header | Should -Match "\b$column\b"
        }

        $table | Should -Match '2\.9 MiB'
        $table | Should -Match '\b0 B\b'
    }

    It 'shows container columns with state, size and age' {
        $table = Get-CcContainer | Format-Table | Out-String -Width 200
        foreach ($column in 'Name', 'State', 'Image', 'Pid', 'Size', 'Age') {
            $table | Should -Match "\b$column\b"
        }

        $table | Should -Match 'Exited \(3\)'
        $table | Should -Match 'Created'
    }

    It 'shows every image property in Format-List' {
        $list = Get-CcImage web | Format-List | Out-String -Width 200
        foreach ($property in (Get-CcImage web).PSObject.Properties.Name) {
            $list | Should -Match "\b$property\s*:" -Because "Format-List should show $property"
        }
    }

    It 'shows disk usage in human units' {
        Get-CcDiskUsage | Format-Table | Out-String -Width 200 | Should -Match '2\.9 MiB'
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $savedRoot = $env:COOKIECUTTER_ROOT
        $store = New-TestStore (Join-Path $TestDrive 'store')
        $env:COOKIECUTTER_ROOT = $store.Root
    }

    AfterAll {
        $env:COOKIECUTTER_ROOT = $savedRoot
    }

    It 'completes image names' {
        Get-CompletionText 'Invoke-CcRun w' | Should -Be @('web')
        Get-CompletionText 'Invoke-CcRun ' | Should -Be @('db', 'web')
    }

    It 'completes the image of a classic command line' {
        Get-CompletionText 'cc-run --rm --name x w' | Should -Be @('web')
        Get-CompletionText 'Invoke-CcRun -Name x -Volume /srv:/srv d' | Should -Be @('db')
        Get-CompletionText 'Invoke-CcRun -Rm --volume=/srv:/srv w' | Should -Be @('web')
    }

    It 'offers no images for command words' {
        Get-CompletionText 'Invoke-CcRun web w' | Should -Not -Contain 'web'
        Get-CompletionText 'Invoke-CcRun -Image web w' | Should -Not -Contain 'web'
    }

    It 'completes image versions after @' {
        Get-CompletionText 'Invoke-CcRun web@' |
            Should -Be @("web@$($store.NewerVersion)", "web@$($store.OlderVersion)")
    }

    It 'completes a version prefix' {
        Get-CompletionText 'Invoke-CcRun web@2026-11' | Should -Be @("web@$($store.OlderVersion)")
    }

    It 'completes image names for Get-CcImage' {
        Get-CompletionText 'Get-CcImage d' | Should -Be @('db')
    }

    It 'completes container names' {
        Get-CompletionText 'Invoke-CcExec ' | Should -Be @('app1', 'fresh')
        Get-CompletionText 'cc-exec -User root a' | Should -Be @('app1')
        Get-CompletionText 'Get-CcContainer f' | Should -Be @('fresh')
        Get-CompletionText 'Stop-CcContainer -Name a' | Should -Be @('app1')
    }

    It 'keeps the quote the user opened' {
        Get-CompletionText "Invoke-CcRun 'we" | Should -Be @("'web'")
        Get-CompletionText 'Invoke-CcRun "we' | Should -Be @('"web"')
    }

    It 'offers nothing for an unknown image' {
        Get-CompletionText 'Invoke-CcRun nosuch@' | Should -BeNullOrEmpty
    }

    It 'treats a broken wildcard as no match' {
        Get-CompletionText 'Get-CcImage we[' | Should -Not -Contain 'web'
    }

    It 'matches wildcards' {
        Get-CompletionText 'Get-CcImage *b' | Should -Be @('db', 'web')
    }

    It 'offers no names when the store is missing' {
        $env:COOKIECUTTER_ROOT = Join-Path $TestDrive 'no-store'
        try {
            Get-CompletionText 'Get-CcImage ' | Should -Not -Contain 'web'
            Get-CompletionText 'Get-CcContainer ' | Should -Not -Contain 'app1'
        }
        finally {
            $env:COOKIECUTTER_ROOT = $store.Root
        }
    }

    It 'completes spec files first and quotes paths with spaces' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'context')
        $null = New-Item -ItemType Directory -Path (Join-Path $folder 'sub dir')
        foreach ($file in 'my app.ccspec', 'notes.txt', 'web.ccspec') {
            $null = New-Item -ItemType File -Path (Join-Path $folder $file)
        }

        Push-Location $folder
        try {
            $forTest = Get-CompletionText 'Test-CcBuildSpec '
            $forBuild = Get-CompletionText 'New-CcImage web '
            $prefixed = Get-CompletionText 'Test-CcBuildSpec m'
        }
        finally {
            Pop-Location
        }

        $forTest | Should -Be @("'./my app.ccspec'", './web.ccspec', "'./sub dir'", './notes.txt')
        $forBuild | Should -Be $forTest
        $prefixed | Should -Be @("'./my app.ccspec'")
    }
}

Describe 'Completer of <Cmdlet> -<Parameter>' -ForEach $completerCases {
    It 'is <Completer>' {
        $attribute = (Get-Command $Cmdlet).Parameters[$Parameter].Attributes |
            Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }
        $because = "-$Parameter of $Cmdlet takes an image, a container or a spec file"
        $attribute | Should -Not -BeNullOrEmpty -Because $because
        $attribute.Type.Name | Should -Be $Completer
    }
}
