#Requires -Version 7.4
# Behaviour of New-CcImage (cc-build), Test-CcBuildSpec, Save-CcContainer, Remove-CcImage and
# Clear-CcImage (cc-gc) on a real Debian base image, as root.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:Image = Initialize-CcTestStore
    $script:Examples = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'examples'

    # Writes a spec file and a build context with the given files; returns both paths.
    function New-TestBuild {
        param(
            [string] $Spec,
            [hashtable] $Files = @{}
        )

        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $context = Join-Path $folder 'context'
        New-Item -ItemType Directory -Force -Path $context | Out-Null
        foreach ($name in $Files.Keys) {
            $path = Join-Path $context $name
            New-Item -ItemType Directory -Force -Path (Split-Path -Parent $path) | Out-Null
            Set-Content -Path $path -Value $Files[$name] -NoNewline
        }

        $specPath = Join-Path $folder 'test.ccspec'
        Set-Content -Path $specPath -Value $Spec.Replace('BASE', $script:Image) -NoNewline
        return [pscustomobject]@{ Spec = $specPath; Context = $context }
    }

    # Returns the build containers of an image that are left in the store.
    function Get-BuildContainer {
        param([string] $Name)
        return @(Get-CcContainer | Where-Object Name -Like "build-$Name-*")
    }

    # Returns the number of cached build layers.
    function Get-CacheLayerCount {
        $folder = Join-Path $env:COOKIECUTTER_ROOT 'images/.cache/versions'
        if (-not (Test-Path $folder)) { return 0 }
        return @(Get-ChildItem -Directory $folder | Where-Object Name -NotLike '.*').Count
    }
}

Describe 'New-CcImage' -Tag 'Root' {
    BeforeEach {
        $script:Name = New-CcTestName 'build'
    }

    AfterEach {
        Get-BuildContainer $Name | Should -BeNullOrEmpty
        Get-CcTestMounts | Should -BeNullOrEmpty
        Remove-CcImage $Name -Force -ErrorAction SilentlyContinue
    }

    Context 'classic behaviour' {
        It 'builds FROM alone as an empty layer' {
            $build = New-TestBuild "FROM BASE`n"
            $image = cc-build $Name $build.Spec $build.Context -q

            $image.Name | Should -Be $Name
            $image.Size | Should -Be 0
            @(Get-ChildItem -Force (Join-Path $image.Path 'diff')) | Should -BeNullOrEmpty
            Invoke-CcRun $Name cat /etc/debian_version | Should -Not -BeNullOrEmpty
        }

        It 'fails on a missing FROM image and leaves nothing' {
            $build = New-TestBuild "FROM no-such-image-here`nRUN true`n"

            { New-CcImage $Name $build.Spec $build.Context -ErrorAction Stop } |
                Should -Throw -ErrorId 'ImageNotFound,*'
            Get-CcImage $Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'rejects an unknown instruction before running any step' {
            $build = New-TestBuild "FROM BASE`nRUN touch /ran`nFROBNICATE x`n"
            $cacheBefore = Get-CacheLayerCount

            $failure = { New-CcImage $Name $build.Spec $build.Context -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidBuildSpec,*' -PassThru
            $failure.Exception.Message | Should -BeLike "*test.ccspec:3:1: FROBNICATE: Unknown instruction 'FROBNICATE'*"
            Get-CacheLayerCount | Should -Be $cacheBefore
            Get-CcImage $Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'fails on a failing RUN with its message and leaves no image' {
            $build = New-TestBuild "FROM BASE`nRUN echo about to fail && exit 3`n"

            $failure = { New-CcImage $Name $build.Spec $build.Context -Quiet -ErrorAction Stop } |
                Should -Throw -ErrorId 'BuildStepFailed,*' -PassThru
            $failure.Exception.Message | Should -BeLike '*exit code 3*'
            $failure.Exception.Message | Should -BeLike '*about to fail*'
            Get-CcImage $Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'echoes steps and indents stdout and stderr' {
            $build = New-TestBuild "FROM BASE`nRUN echo out-line && echo err-line >&2`n"

            $null = New-CcImage $Name $build.Spec $build.Context -NoCache -InformationVariable info
            $messages = @($info | ForEach-Object { "$($_.MessageData)" })
            $messages | Should -Contain 'Step 2/2: RUN echo out-line && echo err-line >&2'
            $messages | Should -Contain '  out-line'
            ($info | Where-Object Source -EQ 'stderr').MessageData.Message | Should -Be '  err-line'
        }

        It 'rejects too many layers before running any step' {
            # One overlay mount takes at most 500 lower layers, even through the new mount API.
            $build = New-TestBuild ((@('FROM BASE') + (1..500 | ForEach-Object { "RUN echo $_" })) -join "`n")
            $cacheBefore = Get-CacheLayerCount

            { New-CcImage $Name $build.Spec $build.Context -q -ErrorAction Stop } |
                Should -Throw -ErrorId 'LayerChainTooLong,*'
            Get-CacheLayerCount | Should -Be $cacheBefore
        }

        It 'reports progress as step N of M and completes it' {
            $build = New-TestBuild "FROM BASE`nENV A=1`nRUN true`n"
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript({
                        param($Manifest, $Root, $Name, $Spec, $Context)
                        $env:COOKIECUTTER_ROOT = $Root
                        Import-Module $Manifest
                        New-CcImage $Name $Spec $Context -Quiet -NoCache
                    }).AddArgument((Get-Module CookieCutter).Path).AddArgument($env:COOKIECUTTER_ROOT).
                AddArgument($Name).AddArgument($build.Spec).AddArgument($build.Context)
                if (-not ('CcProgressRecorder' -as [type])) {
                    # Progress records are reused and updated in place, so each state is copied as it arrives.
                    Add-Type -TypeDefinition @'
public static class CcProgressRecorder
{
    public static System.Collections.Concurrent.ConcurrentQueue<string> Attach(
        System.Management.Automation.PSDataCollection<System.Management.Automation.ProgressRecord> stream)
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        stream.DataAdded += (sender, e) =>
        {
            var record = stream[e.Index];
            seen.Enqueue(record.RecordType + ": " + record.StatusDescription);
        };
        return seen;
    }
}
'@
                }

                $seen = [CcProgressRecorder]::Attach($shell.Streams.Progress)
                $null = $shell.Invoke()
                $records = @($seen.ToArray())
            }
            finally {
                $shell.Dispose()
            }

            $records | Should -Contain 'Processing: step 3 of 3: RUN true'
            $records[-1] | Should -BeLike 'Completed: *'
        }

        It 'prints nothing with -Quiet' {
            $build = New-TestBuild "FROM BASE`nRUN echo out-line`n"

            $null = New-CcImage $Name $build.Spec $build.Context -q -InformationVariable info
            $info | Should -BeNullOrEmpty
        }

        It 'joins continuation lines as Docker does' {
            $spec = "FROM BASE`r`nRUN echo \`r`n# note`r`nhello > /joined && \  `r`n  echo x#kept >> /joined`r`n"
            $build = New-TestBuild $spec

            $null = New-CcImage $Name $build.Spec $build.Context -q
            Invoke-CcRun $Name cat /joined | Should -Be @('hello', 'x#kept')
        }
    }

    Context 'COPY' {
        BeforeAll {
            $script:Files = @{
                'app/run.sh'       = "#!/bin/sh`necho app`n"
                'app/lib/util.txt' = 'util'
                'top.txt'          = 'top'
                'skip.log'         = 'skipped'
            }
        }

        It 'copies a file to an absolute path' {
            $build = New-TestBuild "FROM BASE`nCOPY top.txt /srv/renamed.txt`n" $Files
            $null = New-CcImage $Name $build.Spec $build.Context -q

            Invoke-CcRun $Name cat /srv/renamed.txt | Should -Be 'top'
        }

        It 'copies a folder''s contents and keeps modes' {
            $build = New-TestBuild "FROM BASE`nCOPY app /opt/app`n" $Files
            chmod 750 (Join-Path $build.Context 'app/run.sh')
            $null = New-CcImage $Name $build.Spec $build.Context -q

            Invoke-CcRun $Name -- stat -c '%a %U %n' /opt/app/run.sh /opt/app/lib/util.txt |
                Should -Be @('750 root /opt/app/run.sh', '644 root /opt/app/lib/util.txt')
        }

        It 'copies the whole context and leaves out .ccignore matches' {
            $files = $Files.Clone()
            $files['.ccignore'] = "*.log`n"
            $build = New-TestBuild "FROM BASE`nCOPY . /ctx/`n" $files
            $null = New-CcImage $Name $build.Spec $build.Context -q

            Invoke-CcRun $Name -- sh -c 'cd /ctx && find . -type f | sort' |
                Should -Be @('./.ccignore', './app/lib/util.txt', './app/run.sh', './top.txt')
        }

        It 'copies to a relative target under WORKDIR and under /' {
            $build = New-TestBuild "FROM BASE`nCOPY top.txt rel/`nWORKDIR /w`nCOPY top.txt here.txt`nCOPY app/run.sh`n" $Files
            $null = New-CcImage $Name $build.Spec $build.Context -q

            Invoke-CcRun $Name -- sh -c 'cat /rel/top.txt; echo; cat /w/here.txt; echo; test -f /w/run.sh && echo copied' |
                Should -Be @('top', 'top', 'copied')
        }

        It 'applies --chmod and --chown' {
            $build = New-TestBuild "FROM BASE`nCOPY --chmod=600 --chown=daemon:daemon top.txt /t.txt`n" $Files
            $null = New-CcImage $Name $build.Spec $build.Context -q

            Invoke-CcRun $Name -- stat -c '%a %U:%G' /t.txt | Should -Be '600 daemon:daemon'
        }

        It 'copies a named symlink as its target and keeps links inside folders' {
            $build = New-TestBuild "FROM BASE`nCOPY link.txt /l/`nCOPY app /a`n" $Files
            New-Item -ItemType SymbolicLink -Path (Join-Path $build.Context 'link.txt') -Target 'top.txt' | Out-Null
            New-Item -ItemType SymbolicLink -Path (Join-Path $build.Context 'app/inner') -Target 'run.sh' | Out-Null
            $null = New-CcImage $Name $build.Spec $build.Context -q

            Invoke-CcRun $Name -- sh -c 'test -f /l/link.txt && ! test -L /l/link.txt && echo file; readlink /a/inner' |
                Should -Be @('file', 'run.sh')
        }

        It 'rejects <Case> before running any step' -TestCases @(
            @{ Case = 'an absolute source'; Source = '/etc/passwd'; Setup = {} }
            @{ Case = 'a .. leaving the context'; Source = '../outside.txt'; Setup = {} }
            @{ Case = 'a symlink to outside'; Source = 'escape'; Setup = {
                    param($context)
                    New-Item -ItemType SymbolicLink -Path (Join-Path $context 'escape') -Target '/etc/shadow' | Out-Null
                }
            }
        ) {
            $build = New-TestBuild "FROM BASE`nRUN touch /ran`nCOPY $Source /x`n" $Files
            Set-Content -Path (Join-Path (Split-Path -Parent $build.Context) 'outside.txt') -Value 'outside'
            & $Setup $build.Context
            $cacheBefore = Get-CacheLayerCount

            { New-CcImage $Name $build.Spec $build.Context -q -ErrorAction Stop } |
                Should -Throw -ErrorId 'CopySourceOutsideContext,*'
            Get-CacheLayerCount | Should -Be $cacheBefore
        }

        It 'rejects a source that .ccignore excludes' {
            $files = $Files.Clone()
            $files['.ccignore'] = "*.log`n"
            $build = New-TestBuild "FROM BASE`nCOPY skip.log /`n" $files

            { New-CcImage $Name $build.Spec $build.Context -q -ErrorAction Stop } |
                Should -Throw -ErrorId 'CopySourceExcluded,*'
        }

        It 'copies out of another image with --from' {
            $build = New-TestBuild "FROM BASE`nCOPY --from=BASE /etc/os-release /copied/`n"
            $null = New-CcImage $Name $build.Spec $build.Context -q

            Invoke-CcRun $Name -- grep -c '^ID=debian' /copied/os-release | Should -Be '1'
        }
    }

    Context 'image settings' {
        It 'passes ENV, WORKDIR and USER to later steps and to Invoke-CcRun' {
            $spec = @(
                'FROM BASE'
                'ARG WHO=world'
                'ENV GREETING="hello $WHO" APP=/srv/app'
                'WORKDIR $APP'
                'RUN echo "$GREETING from $(pwd)" > seen.txt'
                'USER daemon'
                'RUN id -un > /tmp/user.txt'
                'CMD ["sh", "-c", "cat seen.txt /tmp/user.txt; echo $GREETING; pwd"]'
                'LABEL purpose=test'
            ) -join "`n"
            $build = New-TestBuild $spec
            $image = New-CcImage $Name $build.Spec $build.Context -q -BuildArgument @{ WHO = 'tests' }

            $image.Config.Environment['GREETING'] | Should -Be 'hello tests'
            $image.Config.WorkingDirectory | Should -Be '/srv/app'
            $image.Config.User | Should -Be 'daemon'
            $image.Config.Labels['purpose'] | Should -Be 'test'
            Invoke-CcRun $Name | Should -Be @('hello tests from /srv/app', 'daemon', 'hello tests', '/srv/app')
        }

        It 'warns about a build argument no ARG declares' {
            $build = New-TestBuild "FROM BASE`n"
            $null = New-CcImage $Name $build.Spec $build.Context -q -BuildArgument @{ UNUSED = 1 } -WarningVariable warnings

            "$warnings" | Should -BeLike "*'UNUSED'*"
        }
    }

    Context 'whiteouts' {
        It 'carries deletions across layers into derived images and containers' {
            $parentName = New-CcTestName 'parent'
            try {
                $parent = New-TestBuild "FROM BASE`nRUN mkdir /a && touch /a/old1 /a/old2 /gone`n"
                $null = New-CcImage $parentName $parent.Spec $parent.Context -q
                $child = New-TestBuild "FROM $parentName`nRUN rm -rf /a /gone && mkdir /a && touch /a/new`n"
                $null = New-CcImage $Name $child.Spec $child.Context -q

                Invoke-CcRun $Name -- sh -c 'ls -A /a; test -e /gone || echo gone' | Should -Be @('new', 'gone')
                $grandChild = New-TestBuild "FROM $Name`nRUN ls -A /a > /listing`n"
                $grandName = New-CcTestName 'grand'
                $null = New-CcImage $grandName $grandChild.Spec $grandChild.Context -q
                Invoke-CcRun $grandName cat /listing | Should -Be 'new'
                Remove-CcImage $grandName
            }
            finally {
                Remove-CcImage $Name -Force -ErrorAction SilentlyContinue
                Remove-CcImage $parentName -Force -ErrorAction SilentlyContinue
            }
        }
    }

    Context 'step cache' {
        BeforeEach {
            $spec = @(
                'FROM BASE'
                "ENV TEST_ID=$Name"
                'ARG FLAVOUR=plain'
                'RUN date +%s%N > /first-run'
                'COPY app.txt /app.txt'
                'RUN echo "$FLAVOUR" > /flavour'
            ) -join "`n"
            $script:Cached = New-TestBuild $spec @{ 'app.txt' = "one $Name" }
            $script:First = New-CcImage $Name $Cached.Spec $Cached.Context -q
            $script:FirstRun = Invoke-CcRun $Name cat /first-run
        }

        It 'reuses every step of an unchanged spec without a new version' {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $layersBefore = Get-CacheLayerCount
            $again = New-CcImage $Name $Cached.Spec $Cached.Context -InformationVariable info
            $sw.Stop()

            $again.Version | Should -Be $First.Version
            Get-CacheLayerCount | Should -Be $layersBefore
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 2
            @($info | Where-Object { "$($_.MessageData)" -like 'Step */6: * (cached)' }).Count | Should -Be 3
        }

        It 'reruns only from a changed file' {
            Set-Content -Path (Join-Path $Cached.Context 'app.txt') -Value "two $Name" -NoNewline
            $null = New-CcImage $Name $Cached.Spec $Cached.Context -InformationVariable info

            Invoke-CcRun $Name cat /first-run | Should -Be $FirstRun
            Invoke-CcRun $Name cat /app.txt | Should -Be "two $Name"
            "$($info.MessageData)" | Should -BeLike '*Step 4/6: RUN date +%s%N > /first-run (cached)*'
            "$($info.MessageData)" | Should -Not -BeLike '*COPY app.txt /app.txt (cached)*'
        }

        It 'reruns from a changed mode but not a changed timestamp' {
            $file = Join-Path $Cached.Context 'app.txt'
            (Get-Item $file).LastWriteTime = [datetime]'2001-01-01'
            $same = New-CcImage $Name $Cached.Spec $Cached.Context -q
            $same.Version | Should -Be $First.Version

            chmod 600 $file
            $changed = New-CcImage $Name $Cached.Spec $Cached.Context -q
            $changed.Version | Should -Not -Be $First.Version
            Invoke-CcRun $Name -- stat -c '%a' /app.txt | Should -Be '600'
        }

        It 'reruns from a changed ARG' {
            $null = New-CcImage $Name $Cached.Spec $Cached.Context -q -BuildArgument @{ FLAVOUR = 'spicy' }

            Invoke-CcRun $Name cat /flavour | Should -Be 'spicy'
            Invoke-CcRun $Name cat /first-run | Should -Not -Be $FirstRun
        }

        It 'reruns a reordered step' {
            $lines = (Get-Content $Cached.Spec)
            Set-Content -Path $Cached.Spec -Value (@($lines[0], $lines[1], $lines[2], $lines[4], $lines[3], $lines[5]) -join "`n")
            $null = New-CcImage $Name $Cached.Spec $Cached.Context -q

            Invoke-CcRun $Name cat /first-run | Should -Not -Be $FirstRun
        }

        It 'reruns everything with -NoCache' {
            $null = New-CcImage $Name $Cached.Spec $Cached.Context -q -NoCache

            Invoke-CcRun $Name cat /first-run | Should -Not -Be $FirstRun
        }
    }

    Context 'versions' {
        It 'keeps a child on its parent version until the child is rebuilt' {
            $parentName = New-CcTestName 'parent'
            try {
                $parent = New-TestBuild "FROM BASE`nRUN echo v1 > /version`n"
                $v1 = New-CcImage $parentName $parent.Spec $parent.Context -q
                $child = New-TestBuild "FROM $parentName`n"
                $childV1 = New-CcImage $Name $child.Spec $child.Context -q

                Set-Content -Path $parent.Spec -Value "FROM $Image`nRUN echo v2 > /version`n"
                $v2 = New-CcImage $parentName $parent.Spec $parent.Context -q
                $v2.Version | Should -Not -Be $v1.Version
                Invoke-CcRun $Name cat /version | Should -Be 'v1'
                Test-Path $v1.Path | Should -BeTrue

                Set-Content -Path $child.Spec -Value "FROM $parentName`nRUN true`n"
                $null = New-CcImage $Name $child.Spec $child.Context -q
                Invoke-CcRun $Name cat /version | Should -Be 'v2'
                Test-Path $childV1.Path | Should -BeFalse
                Clear-CcImage $parentName | Out-Null
                Test-Path $v1.Path | Should -BeFalse
            }
            finally {
                Remove-CcImage $Name -Force -ErrorAction SilentlyContinue
                Remove-CcImage $parentName -Force -ErrorAction SilentlyContinue
            }
        }

        It 'keeps a version a container uses' {
            $build = New-TestBuild "FROM BASE`nRUN echo one > /v`n"
            $one = New-CcImage $Name $build.Spec $build.Context -q
            $container = New-CcTestName 'keep'
            try {
                Invoke-CcRun $Name -Name $container -- true
                Set-Content -Path $build.Spec -Value "FROM $Image`nRUN echo two > /v`n"
                $null = New-CcImage $Name $build.Spec $build.Context -q

                Test-Path $one.Path | Should -BeTrue
                Invoke-CcExec $container cat /v | Should -Be 'one'
            }
            finally {
                Remove-CcContainer $container -Force -Confirm:$false
            }

            Clear-CcImage $Name | Out-Null
            Test-Path $one.Path | Should -BeFalse
        }
    }

    Context 'cancellation' {
        It 'leaves nothing behind when stopped during a long RUN' {
            $build = New-TestBuild "FROM BASE`nRUN sleep 300`n"
            $shell = [powershell]::Create()
            try {
                $null = $shell.AddScript({
                        param($Manifest, $Root, $Name, $Spec, $Context)
                        $env:COOKIECUTTER_ROOT = $Root
                        Import-Module $Manifest
                        New-CcImage $Name $Spec $Context -Quiet
                    }).AddArgument((Get-Module CookieCutter).Path).AddArgument($env:COOKIECUTTER_ROOT).
                AddArgument($Name).AddArgument($build.Spec).AddArgument($build.Context)
                $pending = $shell.BeginInvoke()
                $deadline = [datetime]::UtcNow.AddSeconds(30)
                while (-not (Get-BuildContainer $Name | Where-Object State -EQ 'Running') -and [datetime]::UtcNow -lt $deadline) {
                    Start-Sleep -Milliseconds 100
                }
                Get-BuildContainer $Name | Should -Not -BeNullOrEmpty

                $sw = [Diagnostics.Stopwatch]::StartNew()
                $shell.Stop()
                $sw.Elapsed.TotalSeconds | Should -BeLessThan 15
                $pending.IsCompleted | Should -BeTrue
            }
            finally {
                $shell.Dispose()
            }

            Get-CcImage $Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
    }

    Context 'example' {
        It 'builds and runs examples/my-app.ccspec' {
            $image = New-CcImage $Name (Join-Path $Examples 'my-app.ccspec') (Join-Path $Examples 'build-context') -q -BuildArgument @{ SUITE = $Image }

            $image.Config.Command | Should -Be @('/opt/my-app/greet.sh')
            Invoke-CcRun $Name | Should -Be 'Hello from my-app'
        }
    }
}

Describe 'Test-CcBuildSpec' -Tag 'Root' {
    It 'returns the steps of a valid spec' {
        $build = New-TestBuild "FROM BASE`nrun echo \`n  hi`nCOPY --chmod=644 a /b`n"
        $steps = Test-CcBuildSpec $build.Spec

        $steps.Instruction | Should -Be @('From', 'Run', 'Copy')
        $steps[1].Line | Should -Be 2
        $steps[1].Arguments | Should -Be 'echo   hi'
        $steps[2].Flags['chmod'] | Should -Be '644'
    }

    It 'reports each error with its position' {
        $build = New-TestBuild "FROM BASE`nCOPY --bogus=1 a b`nNOPE`n"
        $steps = Test-CcBuildSpec $build.Spec -ErrorAction SilentlyContinue -ErrorVariable problems

        $steps | Should -BeNullOrEmpty
        $problems.Count | Should -Be 2
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidBuildSpec,*'
        $problems[0].TargetObject.Line | Should -Be 2
        $problems[0].TargetObject.Column | Should -Be 6
        $problems[1].TargetObject.Instruction | Should -Be 'NOPE'
    }
}

Describe 'Save-CcContainer, Remove-CcImage and Clear-CcImage' -Tag 'Root' {
    BeforeEach {
        $script:Name = New-CcTestName 'saved'
        $script:Container = New-CcTestName 'tosave'
    }

    AfterEach {
        Remove-CcContainer $Container -Force -Confirm:$false -ErrorAction SilentlyContinue
        Remove-CcImage $Name -Force -ErrorAction SilentlyContinue
        Get-CcTestMounts | Should -BeNullOrEmpty
    }

    It 'saves a stopped container as a new image version, deletions included' {
        Invoke-CcRun $Image -Name $Container -- sh -c 'echo saved > /saved.txt && rm /etc/issue && rm -rf /etc/apt && mkdir /etc/apt && touch /etc/apt/new'
        $saved = cc-save $Container $Name

        $saved.Name | Should -Be $Name
        Invoke-CcRun $Name -- sh -c 'cat /saved.txt; test -e /etc/issue || echo no-issue; ls -A /etc/apt' |
            Should -Be @('saved', 'no-issue', 'new')
        Get-CcContainer $Container | Should -Not -BeNullOrEmpty
    }

    It 'rejects removing an image in use unless -Force' {
        Invoke-CcRun $Image -Name $Container -- true
        $null = Save-CcContainer $Container $Name
        Invoke-CcRun $Name -Name "$Container-user" -- true
        try {
            { Remove-CcImage $Name -ErrorAction Stop } | Should -Throw -ErrorId 'ImageInUse,*'
            Remove-CcImage $Name -Force -WarningAction SilentlyContinue
            Get-CcImage $Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Invoke-CcExec "$Container-user" true
            $LASTEXITCODE | Should -Be 0
        }
        finally {
            Remove-CcContainer "$Container-user" -Force -Confirm:$false
        }
    }

    It 'removes an image whose only users are cached layers of removed images' {
        $child = New-CcTestName 'child'
        Invoke-CcRun $Image -Name $Container -- true
        $saved = Save-CcContainer $Container $Name
        $build = New-TestBuild "FROM $Name`nRUN echo $child > /child`n"
        $null = New-CcImage $child $build.Spec $build.Context -q
        { Remove-CcImage $Name -ErrorAction Stop } | Should -Throw -ErrorId 'ImageInUse,*'
        Remove-CcImage $child

        Remove-CcImage $Name
        Test-Path $saved.Path | Should -BeFalse
        Get-CcImage $Name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'removes nothing with -WhatIf' {
        Invoke-CcRun $Image -Name $Container -- true
        $saved = Save-CcContainer $Container $Name

        Remove-CcImage $Name -WhatIf
        Test-Path $saved.Path | Should -BeTrue
    }

    It 'clears unused versions and cached layers and reports bytes freed' {
        $build = New-TestBuild "FROM BASE`nRUN head -c 100000 /dev/zero > /blob`n"
        $null = New-CcImage $Name $build.Spec $build.Context -q
        Remove-CcImage $Name

        $preview = cc-gc -WhatIf
        $preview.BytesFreed | Should -Be 0
        $result = cc-gc
        $result.RemovedLayers | Should -BeGreaterThan 0
        $result.BytesFreed | Should -BeGreaterOrEqual 100000
    }
}
