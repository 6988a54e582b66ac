#Requires -Version 7.4
# Faults, concurrency and hostile input on a real store, as root. Each test injects a fault
# (parallel commands, SIGKILL, SIGINT or SIGTERM of a pwsh in the middle of a run, leftovers
# planted in the store, hostile names and escapes from inside a container) and then checks
# /proc/mounts, the store folder and host files.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:Image = Initialize-CcTestStore
    $script:Manifest = Get-CcTestModulePath
    $script:Kill = (Get-Command kill -CommandType Application)[0].Source
    $script:SetSid = (Get-Command setsid -CommandType Application)[0].Source

    # Returns a unique name and records it, so that the suite's clean-up can remove a container
    # that a failed test left behind.
    $script:CreatedNames = [System.Collections.Generic.List[string]]::new()
    function New-TestName {
        param([string] $Prefix)
        $name = New-CcTestName $Prefix
        $CreatedNames.Add($name)
        return $name
    }

    # Starts a child pwsh that imports the module and runs $Command with the current store.
    # With -NewSession it leads a session and process group of its own, so a signal sent to
    # that group reaches it and the cc-jail helper it starts, as Ctrl+C in a terminal does.
    function Start-TestShell {
        param(
            [Parameter(Mandatory)] [string] $Command,
            [switch] $NewSession
        )

        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$Manifest'; $Command"
        $words = @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script)
        if ($NewSession) { $words = @($SetSid) + $words }
        $start = [System.Diagnostics.ProcessStartInfo]::new($words[0])
        foreach ($word in $words[1..($words.Count - 1)]) { $start.ArgumentList.Add($word) }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment['COOKIECUTTER_ROOT'] = $env:COOKIECUTTER_ROOT
        $process = [System.Diagnostics.Process]::Start($start)
        $process | Add-Member -NotePropertyName Output -NotePropertyValue $process.StandardOutput.ReadToEndAsync()
        $process | Add-Member -NotePropertyName Errors -NotePropertyValue $process.StandardError.ReadToEndAsync()
        return $process
    }

    # Polls a condition every 50 ms and throws, naming what it waited for, after the timeout.
    function Wait-Until {
        param(
            [Parameter(Mandatory)] [scriptblock] $Condition,
            [Parameter(Mandatory)] [string] $Because,
            [double] $TimeoutSeconds = 30
        )

        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting until $Because." }
            Start-Sleep -Milliseconds 50
        }
    }

    # Waits until a container started by a child shell runs; fails with the shell's output if it ended first.
    function Wait-Running {
        param([string] $Name, [System.Diagnostics.Process] $Shell)
        Wait-Until -Because "container '$Name' runs" -Condition {
            if ($Shell -and $Shell.HasExited) {
                throw "The shell ended with code $($Shell.ExitCode) before '$Name' ran: $($Shell.Output.Result) $($Shell.Errors.Result)"
            }
            (Get-CcContainer -Name $Name -ErrorAction Ignore).State -eq 'Running'
        }
    }

    # Returns the mount points of the store that belong to the given container names or name prefixes.
    function Get-ContainerMounts {
        param([string[]] $Name)
        $containers = Join-Path $env:COOKIECUTTER_ROOT 'containers'
        return @(Get-CcTestMounts | Where-Object {
                $point = $_
                $Name | Where-Object { $point -like "$containers/$_*" }
            })
    }

    # Returns the pids of every process whose command line contains the text.
    function Get-ProcessByCommandLine {
        param([string] $Text)
        return @(Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | Where-Object {
                $line = Get-Content -Raw -LiteralPath "/proc/$($_.Name)/cmdline" -ErrorAction Ignore
                $line -and $line.Replace([char]0, ' ').Contains($Text)
            } | ForEach-Object { [int] $_.Name })
    }

    # Writes a build spec and an empty context; returns both paths.
    function New-TestSpec {
        param([string] $Text)
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path (Join-Path $folder 'context') -Force | Out-Null
        $spec = Join-Path $folder 'spec'
        Set-Content -Path $spec -Value $Text
        return [pscustomobject]@{ Spec = $spec; Context = Join-Path $folder 'context' }
    }

    # Perl script of the classic chroot escape: keep a handle on /, chroot into a subfolder,
    # fchdir back to the handle, climb with "..", chroot there, then look at what / is.
    $script:EscapeScript = @'
use strict;
use warnings;
my ($host_marker, $container_marker) = @ARGV;
open(my $mark, '>', $container_marker) or die "cannot write $container_marker: $!";
close($mark);
mkdir "/escape-x";
opendir(my $outside, "/") or die "opendir: $!";
print "chroot-into-subdir=" . (chroot("/escape-x") ? "ok" : "failed") . "\n";
chdir($outside);
chdir("..") for 1 .. 64;
print "chroot-back=" . (chroot(".") ? "ok" : "failed") . "\n";
print "host-marker=" . (-e $host_marker ? "visible" : "hidden") . "\n";
print "container-marker=" . (-e $container_marker ? "visible" : "hidden") . "\n";
'@
}

Describe 'Reliability' -Tag 'Reliability', 'Root' {
    AfterAll {
        foreach ($name in $CreatedNames) {
            if (Get-CcContainer -Name $name -ErrorAction Ignore) {
                Stop-CcContainer $name -Timeout 0 -ErrorAction Ignore
                Remove-CcContainer $name -Confirm:$false -ErrorAction Ignore
            }
        }
    }

    Context 'Concurrency' {
        It 'runs twenty -Rm runs of one image at once' {
            $barrier = [System.Threading.CountdownEvent]::new(20)
            $results = 1..20 | ForEach-Object -ThrottleLimit 20 -Parallel {
                Import-Module $using:Manifest
                $null = ($using:barrier).Signal()
                $null = ($using:barrier).Wait([TimeSpan]::FromSeconds(60))
                $output = Invoke-CcRun -Rm -ErrorAction SilentlyContinue -ErrorVariable failures $using:Image -- echo "run $_"
                [pscustomobject]@{
                    Index    = $_
                    Output   = $output
                    ExitCode = $global:LASTEXITCODE
                    Errors   = @($failures | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
                }
            }

            $results.Count | Should -Be 20
            foreach ($result in $results) {
                $result.Errors | Should -BeNullOrEmpty
                $result.ExitCode | Should -Be 0
                $result.Output | Should -Be "run $($result.Index)"
            }
            @(Get-CcContainer -Name "$Image.$PID.*") | Should -BeNullOrEmpty
            Get-ContainerMounts "$Image.$PID." | Should -BeNullOrEmpty
        }

        It 'lets exactly one of ten runs of one name start' {
            $name = New-TestName 'rel-same'
            $barrier = [System.Threading.CountdownEvent]::new(10)
            $job = 1..10 | ForEach-Object -ThrottleLimit 10 -AsJob -Parallel {
                Import-Module $using:Manifest
                $null = ($using:barrier).Signal()
                $null = ($using:barrier).Wait([TimeSpan]::FromSeconds(60))
                Invoke-CcRun -Name $using:name -StopTimeout 0 -ErrorAction SilentlyContinue -ErrorVariable failures $using:Image -- sleep 600
                [pscustomobject]@{ Errors = @($failures | ForEach-Object FullyQualifiedErrorId) }
            }
            try {
                Wait-Until -Because 'nine of the ten runs have ended' -Condition {
                    @($job.ChildJobs | Where-Object State -EQ 'Completed').Count -ge 9
                }
                (Get-CcContainer -Name $name).State | Should -Be 'Running'
                Stop-CcContainer $name -Timeout 0
                $null = Wait-Job $job -Timeout 60
                $results = @(Receive-Job $job)
            }
            finally {
                Stop-CcContainer $name -Timeout 0 -ErrorAction Ignore
                Remove-Job $job -Force
            }

            $results.Count | Should -Be 10
            $rejected = @($results | Where-Object { $_.Errors -like 'ContainerAlreadyExists,*' })
            $rejected.Count | Should -Be 9
            foreach ($result in $rejected) { $result.Errors.Count | Should -Be 1 }
            $winner = @($results | Where-Object { $_.Errors -notlike 'ContainerAlreadyExists,*' })
            $winner.Count | Should -Be 1
            $winner[0].Errors | Should -BeLike 'ContainerCommandFailed,*'
            (Get-CcContainer -Name $name).State | Should -Be 'Exited'
            Get-ContainerMounts $name | Should -BeNullOrEmpty
            Remove-CcContainer $name -Confirm:$false
        }

        It 'finishes two builds of one image at once' {
            $name = New-TestName 'rel-build'
            $specs = 1..2 | ForEach-Object { New-TestSpec "FROM $Image`nRUN echo build-$_ > /built`n" }
            $barrier = [System.Threading.CountdownEvent]::new(2)
            try {
                $results = 0..1 | ForEach-Object -ThrottleLimit 2 -Parallel {
                    Import-Module $using:Manifest
                    $build = ($using:specs)[$_]
                    $null = ($using:barrier).Signal()
                    $null = ($using:barrier).Wait([TimeSpan]::FromSeconds(60))
                    $image = New-CcImage $using:name $build.Spec $build.Context -NoCache -Quiet -ErrorAction SilentlyContinue -ErrorVariable failures
                    [pscustomobject]@{ Image = $image; Errors = @($failures | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }) }
                }

                $results.Errors | Should -BeNullOrEmpty
                @($results.Image).Count | Should -Be 2
                $current = Get-CcImage -Name $name
                $current.Version | Should -BeIn $results.Image.Version
                Test-Path -PathType Container (Join-Path $current.Path 'diff') | Should -BeTrue
                $versions = Join-Path $env:COOKIECUTTER_ROOT "images/$name/versions"
                @(Get-ChildItem -Force $versions -Filter '.partial-*') | Should -BeNullOrEmpty
                Invoke-CcRun $name cat /built | Should -BeIn @('build-1', 'build-2')
            }
            finally {
                Remove-CcImage $name -Force -Confirm:$false -ErrorAction Ignore
            }
        }

        It 'keeps a running container of the old version during a build' {
            $name = New-TestName 'rel-rebuild'
            $container = New-TestName 'rel-old'
            $first = New-TestSpec "FROM $Image`nRUN echo one > /built`n"
            $second = New-TestSpec "FROM $Image`nRUN echo two > /built`n"
            $shell = $null
            try {
                $old = New-CcImage $name $first.Spec $first.Context -NoCache -Quiet
                $shell = Start-TestShell "Invoke-CcRun -Name $container -StopTimeout 0 $name -- sleep 600"
                Wait-Running $container $shell

                $new = New-CcImage $name $second.Spec $second.Context -NoCache -Quiet

                $new.Version | Should -Not -Be $old.Version
                $running = Get-CcContainer -Name $container
                $running.State | Should -Be 'Running'
                $running.ImageVersion | Should -Be $old.Version
                Invoke-CcExec $container cat /built | Should -Be 'one'
                (Get-CcImage -Name $name -AllVersions).Version | Should -Contain $old.Version
                Invoke-CcRun $name cat /built | Should -Be 'two'
            }
            finally {
                Stop-CcContainer $container -Timeout 0 -ErrorAction Ignore
                if ($shell) { $shell.WaitForExit(30000) | Out-Null }
                Remove-CcContainer $container -Confirm:$false -ErrorAction Ignore
                Remove-CcImage $name -Force -Confirm:$false -ErrorAction Ignore
            }
            Get-ContainerMounts $container | Should -BeNullOrEmpty
        }
    }

    Context 'Crash recovery' {
        It 'recovers from SIGKILL of pwsh during a named run' {
            $name = New-TestName 'rel-kill'
            $shell = Start-TestShell "Invoke-CcRun -Name $name -StopTimeout 1 $Image -- sleep 600"
            Wait-Running $name $shell
            $containerPid = (Get-CcContainer -Name $name).Pid

            & $Kill -s KILL $shell.Id
            Wait-Until -Because "container '$name' stops" -Condition { (Get-CcContainer -Name $name).State -ne 'Running' }

            $container = Get-CcContainer -Name $name
            $container.State | Should -Be 'Exited'
            $container.ExitCode | Should -Be 137
            $container.IsMounted | Should -BeFalse
            Get-Content -Raw -LiteralPath "/proc/$containerPid/cmdline" -ErrorAction Ignore | Should -Not -Be "sleep`0600`0"
            Get-ContainerMounts $name | Should -BeNullOrEmpty
            Invoke-CcRun -Name $name -Rm $Image echo again | Should -Be 'again'
            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
            Get-ContainerMounts $name | Should -BeNullOrEmpty
        }

        It 'removes a -Rm container after SIGKILL of pwsh' {
            $name = New-TestName 'rel-kill-rm'
            $shell = Start-TestShell "Invoke-CcRun -Name $name -Rm -StopTimeout 1 $Image -- sleep 600"
            Wait-Running $name $shell

            & $Kill -s KILL $shell.Id
            Wait-Until -Because "container '$name' is removed" -Condition { -not (Get-CcContainer -Name $name -ErrorAction Ignore) }

            Test-Path (Join-Path $env:COOKIECUTTER_ROOT "containers/$name") | Should -BeFalse
            Get-ContainerMounts $name | Should -BeNullOrEmpty
            Get-ProcessByCommandLine "containers/$name/" | Should -BeNullOrEmpty
            Invoke-CcRun -Name $name -Rm $Image echo again | Should -Be 'again'
            Get-ContainerMounts $name | Should -BeNullOrEmpty
        }

        It 'keeps a stopped container after SIGKILL during exec' {
            $name = New-TestName 'rel-kill-exec'
            Invoke-CcRun -Name $name $Image -- sh -c 'echo kept > /state'
            $shell = Start-TestShell "Invoke-CcExec $name -StopTimeout 1 -- sleep 600"
            try {
                Wait-Running $name $shell

                & $Kill -s KILL $shell.Id
                Wait-Until -Because "container '$name' stops" -Condition { (Get-CcContainer -Name $name).State -ne 'Running' }

                (Get-CcContainer -Name $name).IsMounted | Should -BeFalse
                Get-ContainerMounts $name | Should -BeNullOrEmpty
                Invoke-CcExec $name cat /state | Should -Be 'kept'
            }
            finally {
                Remove-CcContainer $name -Confirm:$false -ErrorAction Ignore
            }
        }

        It 'keeps a running container after SIGKILL of an exec into it' {
            $name = New-TestName 'rel-kill-enter'
            $runner = Start-TestShell "Invoke-CcRun -Name $name -StopTimeout 0 $Image -- sleep 600"
            try {
                Wait-Running $name $runner
                $shell = Start-TestShell "Invoke-CcExec $name -StopTimeout 1 -- sh -c 'touch /entered; exec sleep 600'"
                Wait-Until -Because 'the exec has started' -Condition { (Invoke-CcExec $name -ErrorAction Ignore -- sh -c 'test -e /entered && echo yes') -eq 'yes' }

                & $Kill -s KILL $shell.Id
                Wait-Until -Because 'the exec ends' -Condition { -not (Invoke-CcExec $name -ErrorAction Ignore -- sh -c 'pgrep -x sleep | grep -v "^1$"') }

                (Get-CcContainer -Name $name).State | Should -Be 'Running'
                Invoke-CcExec $name echo alive | Should -Be 'alive'
            }
            finally {
                Stop-CcContainer $name -Timeout 0 -ErrorAction Ignore
                $runner.WaitForExit(30000) | Out-Null
                Remove-CcContainer $name -Confirm:$false -ErrorAction Ignore
            }
            Get-ContainerMounts $name | Should -BeNullOrEmpty
        }

        It 'leaves no build container after SIGKILL of a build' {
            $name = New-TestName 'rel-kill-build'
            $build = New-TestSpec "FROM $Image`nRUN trap 'exit 1' TERM; while :; do sleep 0.1; done`n"
            $shell = Start-TestShell "New-CcImage $name '$($build.Spec)' '$($build.Context)' -Quiet"
            Wait-Until -Because "a build container of '$name' runs" -Condition {
                if ($shell.HasExited) { throw "The build ended first: $($shell.Errors.Result)" }
                @(Get-CcContainer -Name "build-$name-*" -ErrorAction Ignore | Where-Object State -EQ 'Running').Count -eq 1
            }

            & $Kill -s KILL $shell.Id
            Wait-Until -Because 'the build container is removed' -Condition { -not (Get-CcContainer -Name "build-$name-*" -ErrorAction Ignore) }

            Get-ContainerMounts "build-$name-" | Should -BeNullOrEmpty
            Get-CcImage -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
            @(Get-ChildItem -Force -ErrorAction Ignore (Join-Path $env:COOKIECUTTER_ROOT "images/$name/versions")) | Should -BeNullOrEmpty
        }

        It 'cleans up after Ctrl+C to the process group' {
            $name = New-TestName 'rel-int'
            $shell = Start-TestShell -NewSession "Invoke-CcRun -Name $name -Rm -StopTimeout 1 $Image -- sleep 600"
            Wait-Running $name $shell

            & $Kill -s INT -- "-$($shell.Id)"

            $shell.WaitForExit(30000) | Should -BeTrue
            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
            Test-Path (Join-Path $env:COOKIECUTTER_ROOT "containers/$name") | Should -BeFalse
            Get-ContainerMounts $name | Should -BeNullOrEmpty
            Get-ProcessByCommandLine "containers/$name/" | Should -BeNullOrEmpty
        }

        It 'cleans up after SIGTERM to pwsh' {
            $name = New-TestName 'rel-term'
            $shell = Start-TestShell "Invoke-CcRun -Name $name -Rm -StopTimeout 1 $Image -- sleep 600"
            Wait-Running $name $shell

            & $Kill -s TERM $shell.Id

            $shell.WaitForExit(30000) | Should -BeTrue
            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
            Test-Path (Join-Path $env:COOKIECUTTER_ROOT "containers/$name") | Should -BeFalse
            Get-ContainerMounts $name | Should -BeNullOrEmpty
            Get-ProcessByCommandLine "containers/$name/" | Should -BeNullOrEmpty
        }

        It 'sends TERM, then KILL after -StopTimeout' {
            $name = New-TestName 'rel-slow'
            $log = Join-Path $TestDrive $name
            New-Item -ItemType Directory -Path $log | Out-Null
            $command = "trap 'echo got-term >> /log/signals' TERM; echo started > /log/signals; while :; do sleep 0.1; done"
            $shell = Start-TestShell "Invoke-CcRun -Name $name -Rm -StopTimeout 2 -Volume '${log}:/log' $Image -- sh -c `"$command`""
            Wait-Running $name $shell
            Wait-Until -Because 'the container command has started' -Condition { Test-Path (Join-Path $log 'signals') }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()

            & $Kill -s TERM $shell.Id

            $shell.WaitForExit(30000) | Should -BeTrue
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            Get-Content (Join-Path $log 'signals') | Should -Contain 'got-term'
            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
            Get-ContainerMounts $name | Should -BeNullOrEmpty
        }
    }

    Context 'Repair-CcStore' {
        BeforeAll {
            # A store of its own, so that repairs touch no other suite's entries. Its base image
            # versions are hard-link copies of the shared ones: no data is copied.
            $script:SharedRoot = $env:COOKIECUTTER_ROOT
            $script:PrivateFolder = Join-Path '/var/tmp' (New-TestName 'cc-rel-repair')
            $parent = (Get-CcImage -Name $Image).Parent -replace '@.*$', ''
            $env:COOKIECUTTER_ROOT = Join-Path $PrivateFolder 'store'
            Initialize-CcHost | Out-Null
            foreach ($name in $Image, $parent) {
                cp -a --link (Join-Path $SharedRoot "images/$name") (Join-Path $env:COOKIECUTTER_ROOT 'images/')
            }
            Get-ChildItem -File (Join-Path $env:COOKIECUTTER_ROOT 'images/*/versions/*/references/*/*') | Remove-Item
            $script:Store = $env:COOKIECUTTER_ROOT

            # Returns the findings of one kind for one path, or below a folder.
            function Select-Finding {
                param($Findings, [string] $Kind, [string] $Path)
                return @($Findings | Where-Object { $_.Kind -eq $Kind -and ($_.Path -eq $Path -or $_.Path -like "$Path/*") })
            }
        }

        AfterAll {
            $env:COOKIECUTTER_ROOT = $SharedRoot
            if (-not (Get-Content /proc/mounts | Where-Object { $_ -like "* $PrivateFolder/*" })) {
                Remove-Item -Recurse -Force -LiteralPath $PrivateFolder
            }
        }

        AfterEach {
            Get-CcTestMounts | Should -BeNullOrEmpty
        }

        It 'clears what SIGKILL of pwsh and cc-jail leaves of a -Rm run' {
            $name = New-TestName 'rel-orphan'
            $shell = Start-TestShell -NewSession "Invoke-CcRun -Name $name -Rm $Image -- sleep 600"
            Wait-Running $name $shell
            & $Kill -s KILL -- "-$($shell.Id)"
            $shell.WaitForExit(30000) | Should -BeTrue
            Wait-Until -Because "container '$name' stops" -Condition { (Get-CcContainer -Name $name).State -ne 'Running' }
            $folder = Join-Path $Store "containers/$name"
            $root = Join-Path $folder 'filesystem'
            Get-ContainerMounts $name | Should -Be @($root)

            $preview = Repair-CcStore -WhatIf

            (Select-Finding $preview StaleMount $root).Action | Should -Be 'NotFixed'
            (Select-Finding $preview LeftoverContainer $folder).Action | Should -Be 'NotFixed'
            Get-ContainerMounts $name | Should -Be @($root)
            Test-Path $folder | Should -BeTrue

            $findings = Repair-CcStore -Confirm:$false

            (Select-Finding $findings StaleMount $root).Action | Should -Be 'Unmounted'
            (Select-Finding $findings LeftoverContainer $folder).Action | Should -Be 'Deleted'
            $references = Get-ChildItem -Path (Join-Path $Store 'images') -Recurse -Filter $name -ErrorAction SilentlyContinue |
                Where-Object { $_.FullName -like "*/references/containers/$name" }
            $references | Should -BeNullOrEmpty -Because 'removing the container deletes its reference in the image'
            Get-ContainerMounts $name | Should -BeNullOrEmpty
            Test-Path $folder | Should -BeFalse
            Repair-CcStore -Confirm:$false | Should -BeNullOrEmpty
        }

        It 'unmounts a named container that SIGKILL of pwsh and cc-jail left mounted' {
            $name = New-TestName 'rel-orphan-named'
            $shell = Start-TestShell -NewSession "Invoke-CcRun -Name $name $Image -- sleep 600"
            Wait-Running $name $shell
            & $Kill -s KILL -- "-$($shell.Id)"
            $shell.WaitForExit(30000) | Should -BeTrue
            Wait-Until -Because "container '$name' stops" -Condition { (Get-CcContainer -Name $name).State -ne 'Running' }
            $root = Join-Path $Store "containers/$name/filesystem"
            (Get-CcContainer -Name $name).State | Should -Be 'Exited'
            (Get-CcContainer -Name $name).ExitCode | Should -BeNullOrEmpty

            $findings = @(Repair-CcStore -Confirm:$false)

            $findings.Count | Should -Be 1
            $findings[0].Kind | Should -Be 'StaleMount'
            $findings[0].Path | Should -Be $root
            $findings[0].Action | Should -Be 'Unmounted'
            (Get-CcContainer -Name $name).IsMounted | Should -BeFalse
            Invoke-CcRun -Name $name -Rm $Image echo again | Should -Be 'again'
        }

        It 'deletes the build container of a killed build' {
            $name = New-TestName 'rel-killed-build'
            $build = New-TestSpec "FROM $Image`nRUN trap 'exit 1' TERM; while :; do sleep 0.1; done`n"
            $shell = Start-TestShell -NewSession "New-CcImage $name '$($build.Spec)' '$($build.Context)' -Quiet"
            Wait-Until -Because "a build container of '$name' runs" -Condition {
                if ($shell.HasExited) { throw "The build ended first: $($shell.Errors.Result)" }
                @(Get-CcContainer -Name "build-$name-*" -ErrorAction Ignore | Where-Object State -EQ 'Running').Count -eq 1
            }
            $folder = (Get-CcContainer -Name "build-$name-*").Path
            & $Kill -s KILL -- "-$($shell.Id)"
            $shell.WaitForExit(30000) | Should -BeTrue
            Wait-Until -Because 'the build container stops' -Condition { (Get-CcContainer -Name "build-$name-*").State -ne 'Running' }

            $findings = Repair-CcStore -Confirm:$false

            (Select-Finding $findings StaleMount $folder).Action | Should -Be 'Unmounted'
            (Select-Finding $findings OrphanedBuildContainer $folder).Action | Should -Be 'Deleted'
            Test-Path $folder | Should -BeFalse
            Get-CcImage -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
        }

        It 'deletes a base-image build container whose process is gone' {
            $ended = Start-Process -FilePath true -PassThru
            $ended.WaitForExit()
            $name = "$Image.build-$($ended.Id)"
            Invoke-CcRun -Name $name $Image true
            $folder = Join-Path $Store "containers/$name"

            $findings = Repair-CcStore -Confirm:$false

            (Select-Finding $findings OrphanedBuildContainer $folder).Action | Should -Be 'Deleted'
            Test-Path $folder | Should -BeFalse
        }

        It 'deletes half-written versions, containers and bootstrap folders' {
            $version = Join-Path $Store "images/$Image/versions/.partial-2026-01-01_00-00-00_000000000.abcdef"
            $cached = Join-Path $Store 'images/.cache/versions/.partial-0123abcd-00112233'
            $link = Join-Path $Store "images/$Image/.current-0123456789abcdef"
            $container = Join-Path $Store 'containers/.rel-half.creating'
            $bootstrap = Join-Path $Store 'tmp/bootstrap-0123456789ab'
            foreach ($folder in $version, $cached, $container, $bootstrap) {
                New-Item -ItemType Directory -Path (Join-Path $folder 'diff/proc') -Force | Out-Null
                Set-Content -Path (Join-Path $folder 'diff/file') -Value 'x'
            }
            New-Item -ItemType SymbolicLink -Path $link -Target 'versions/missing' | Out-Null
            mount -t proc proc (Join-Path $bootstrap 'diff/proc')
            $current = (Get-CcImage -Name $Image).Version

            $preview = Repair-CcStore -WhatIf
            foreach ($path in $version, $cached, $link, $container, $bootstrap) {
                Test-Path -LiteralPath $path | Should -BeTrue
                @($preview | Where-Object Path -EQ $path).Action | Should -Be 'NotFixed'
            }

            $findings = Repair-CcStore -Confirm:$false

            (Select-Finding $findings PartialVersion $version).Action | Should -Be 'Deleted'
            (Select-Finding $findings PartialVersion $cached).Action | Should -Be 'Deleted'
            (Select-Finding $findings PartialCurrentLink $link).Action | Should -Be 'Deleted'
            (Select-Finding $findings PartialContainer $container).Action | Should -Be 'Deleted'
            (Select-Finding $findings BootstrapFolder $bootstrap).Action | Should -Be 'Deleted'
            foreach ($path in $version, $cached, $link, $container, $bootstrap) {
                Test-Path -LiteralPath $path | Should -BeFalse
            }
            (Get-CcImage -Name $Image).Version | Should -Be $current
            Invoke-CcRun $Image echo intact | Should -Be 'intact'
        }

        It 'leaves entries in use alone' {
            $name = New-TestName 'rel-busy'
            $partial = Join-Path $Store "images/$Image/versions/.partial-busy"
            $creating = Join-Path $Store 'containers/.rel-busy-create.creating'
            New-Item -ItemType Directory -Path $partial, $creating | Out-Null
            $holders = @(
                Start-Process -FilePath flock -ArgumentList (Join-Path $Store "locks/image.$Image"), sleep, 600 -PassThru
                Start-Process -FilePath flock -ArgumentList (Join-Path $Store 'locks/container.rel-busy-create'), sleep, 600 -PassThru
            )
            $shell = Start-TestShell "Invoke-CcRun -Name $name -Rm -StopTimeout 0 $Image -- sleep 600"
            try {
                Wait-Running $name $shell
                Wait-Until -Because 'the lock holders hold their locks' -Condition {
                    [CookieCutter.Engine.Store.StoreLock]::IsHeld((Join-Path $Store "locks/image.$Image")) -and
                    [CookieCutter.Engine.Store.StoreLock]::IsHeld((Join-Path $Store 'locks/container.rel-busy-create'))
                }

                $findings = @(Repair-CcStore -Confirm:$false)

                $findings | Where-Object Path -Like "*$name*" | Should -BeNullOrEmpty
                $findings | Where-Object Path -EQ $partial | Should -BeNullOrEmpty
                $findings | Where-Object Path -EQ $creating | Should -BeNullOrEmpty
                (Get-CcContainer -Name $name).State | Should -Be 'Running'
                (Get-CcContainer -Name $name).IsMounted | Should -BeTrue
                Test-Path $partial | Should -BeTrue
                Test-Path $creating | Should -BeTrue
            }
            finally {
                foreach ($holder in $holders) { $holder.Kill($true); $holder.WaitForExit() }
                Stop-CcContainer $name -Timeout 0 -ErrorAction Ignore
                $shell.WaitForExit(30000) | Out-Null
            }

            $findings = Repair-CcStore -Confirm:$false
            (Select-Finding $findings PartialVersion $partial).Action | Should -Be 'Deleted'
            (Select-Finding $findings PartialContainer $creating).Action | Should -Be 'Deleted'
        }

        It 'sets the store root to mode 0700' {
            chmod 755 $Store

            $findings = @(Repair-CcStore -Confirm:$false)

            (Select-Finding $findings StorePermissions $Store).Action | Should -Be 'PermissionsFixed'
            (Get-Item $Store).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        }
    }

    Context 'Safe removal' {
        BeforeEach {
            $script:HostFolder = Join-Path '/var/tmp' (New-TestName 'cc-rel-volume')
            New-Item -ItemType Directory -Path $HostFolder | Out-Null
            Set-Content -Path (Join-Path $HostFolder 'keep.txt') -Value 'precious'
        }

        AfterEach {
            if (-not (Get-CcTestMounts | Where-Object { $_ -like "*$HostFolder*" })) {
                Remove-Item -Recurse -Force -LiteralPath $HostFolder
            }
        }

        It 'keeps volume files after SIGKILL <Victim> and removal' -TestCases @(
            @{ Victim = 'of pwsh' }, @{ Victim = 'of pwsh and cc-jail' }
        ) {
            $name = New-TestName 'rel-volume'
            $shell = Start-TestShell -NewSession "Invoke-CcRun -Name $name -StopTimeout 1 -Volume '${HostFolder}:/data' $Image -- sh -c 'echo written > /data/new.txt; sleep 600'"
            Wait-Running $name $shell
            Wait-Until -Because 'the container wrote to the volume' -Condition { Test-Path (Join-Path $HostFolder 'new.txt') }

            if ($Victim -eq 'of pwsh') { & $Kill -s KILL $shell.Id }
            else { & $Kill -s KILL -- "-$($shell.Id)" }
            Wait-Until -Because "container '$name' stops" -Condition { (Get-CcContainer -Name $name).State -ne 'Running' }
            Remove-CcContainer $name -Confirm:$false

            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
            Get-Content (Join-Path $HostFolder 'keep.txt') | Should -Be 'precious'
            Get-Content (Join-Path $HostFolder 'new.txt') | Should -Be 'written'
            Get-ContainerMounts $name | Should -BeNullOrEmpty
        }

        It 'refuses removal while a host folder is mounted below' {
            $name = New-TestName 'rel-mounted'
            Invoke-CcRun -Name $name $Image true
            $target = Join-Path $env:COOKIECUTTER_ROOT "containers/$name/diff/data"
            New-Item -ItemType Directory -Path $target | Out-Null
            mount --bind $HostFolder $target
            try {
                { Remove-CcContainer $name -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'MountedBelow,*'
                Get-Content (Join-Path $HostFolder 'keep.txt') | Should -Be 'precious'
                Get-CcContainer -Name $name | Should -Not -BeNullOrEmpty
            }
            finally {
                umount $target
            }

            Remove-CcContainer $name -Confirm:$false
            Get-Content (Join-Path $HostFolder 'keep.txt') | Should -Be 'precious'
            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
        }

        It 'does not follow a symbolic link out of the container' {
            $name = New-TestName 'rel-link'
            Invoke-CcRun -Name $name $Image -- ln -s $HostFolder /link-to-host
            Test-Path -LiteralPath (Join-Path $env:COOKIECUTTER_ROOT "containers/$name/diff/link-to-host") | Should -BeTrue

            Remove-CcContainer $name -Confirm:$false

            Get-Content (Join-Path $HostFolder 'keep.txt') | Should -Be 'precious'
            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
        }

        It 'deletes nothing when FileTree.Delete finds a mount below' {
            $folder = Join-Path $TestDrive 'tree'
            $target = Join-Path $folder 'a/b'
            New-Item -ItemType Directory -Path $target | Out-Null
            Set-Content -Path (Join-Path $folder 'a/file.txt') -Value 'x'
            mount -t tmpfs cc-rel-test $target
            try {
                Set-Content -Path (Join-Path $target 'inside.txt') -Value 'y'
                { [CookieCutter.Engine.Store.FileTree]::Delete($folder) } | Should -Throw '*still mounted below*'
                Test-Path (Join-Path $folder 'a/file.txt') | Should -BeTrue
                Test-Path (Join-Path $target 'inside.txt') | Should -BeTrue
            }
            finally {
                umount $target
            }
        }
    }

    Context 'Bad input' {
        BeforeDiscovery {
            $script:Hostile = @(
                @{ Value = '../x'; Label = '../x' }
                @{ Value = 'a/b'; Label = 'a/b' }
                @{ Value = ('a' * 129); Label = '129 characters' }
                @{ Value = "name`n"; Label = 'a trailing newline' }
            )
            $script:Calls = @(
                @{ Command = 'Invoke-CcRun -Name'; Call = { param($Value) Invoke-CcRun -Name $Value -ErrorAction Stop $Image true } }
                @{ Command = 'Invoke-CcRun -Image'; Call = { param($Value) Invoke-CcRun -ErrorAction Stop $Value true } }
                @{ Command = 'Invoke-CcRun NAME@VERSION'; Call = { param($Value) Invoke-CcRun -ErrorAction Stop "$Image@$Value" true } }
                @{ Command = 'Invoke-CcExec'; Call = { param($Value) Invoke-CcExec -ErrorAction Stop $Value true } }
                @{ Command = 'Start-CcBoot -Name'; Call = { param($Value) Start-CcBoot -Name $Value -ErrorAction Stop $Image } }
                @{ Command = 'Start-CcBoot -Image'; Call = { param($Value) Start-CcBoot -ErrorAction Stop $Value } }
                @{ Command = 'Stop-CcContainer'; Call = { param($Value) Stop-CcContainer $Value -ErrorAction Stop } }
                @{ Command = 'Remove-CcContainer'; Call = { param($Value) Remove-CcContainer $Value -Confirm:$false -ErrorAction Stop } }
                @{ Command = 'Mount-CcContainer'; Call = { param($Value) Mount-CcContainer $Value -ErrorAction Stop } }
                @{ Command = 'Dismount-CcContainer'; Call = { param($Value) Dismount-CcContainer $Value -ErrorAction Stop } }
                @{ Command = 'Save-CcContainer -Name'; Call = { param($Value) Save-CcContainer $Value rel-image -ErrorAction Stop } }
                @{ Command = 'Save-CcContainer -Image'; Call = { param($Value) Save-CcContainer rel-nothing $Value -ErrorAction Stop } }
                @{ Command = 'Remove-CcImage'; Call = { param($Value) Remove-CcImage $Value -Confirm:$false -ErrorAction Stop } }
                @{ Command = 'New-CcImage'; Call = { param($Value) New-CcImage $Value /dev/null /tmp -ErrorAction Stop } }
                @{ Command = 'Remove-CcContainer from the pipeline'; Call = { param($Value) $Value | Remove-CcContainer -Confirm:$false -ErrorAction Stop } }
                @{ Command = 'Stop-CcContainer by property'; Call = { param($Value) [pscustomobject]@{ Name = $Value } | Stop-CcContainer -ErrorAction Stop } }
                @{ Command = 'Invoke-CcRun by property'; Call = { param($Value) [pscustomobject]@{ Image = $Value } | Invoke-CcRun -ErrorAction Stop } }
            )
        }

        It '<Command> rejects <Label>' -ForEach @(foreach ($call in $Calls) { foreach ($input in $Hostile) { $call + $input } }) {
            $before = @(Get-ChildItem -Force (Join-Path $env:COOKIECUTTER_ROOT 'containers')).Count
            $failure = { & $Call $Value } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidName,*'
            $failure.Exception.Message | Should -BeLike '*1 to 128 characters*'
            Test-Path (Join-Path $env:COOKIECUTTER_ROOT 'x') | Should -BeFalse
            Test-Path (Join-Path $env:COOKIECUTTER_ROOT 'containers/a') | Should -BeFalse
            Test-Path (Join-Path $env:COOKIECUTTER_ROOT 'images/a') | Should -BeFalse
        }

        # PowerShell's parameter binder rejects an empty string for a mandatory parameter before
        # the cmdlet runs, with its own error id. An empty image from the pipeline counts as no
        # image at all, which fails with ImageMissing.
        It '<Command> rejects an empty name' -ForEach $Calls {
            $failure = { & $Call '' } | Should -Throw -PassThru
            $id = ($failure.FullyQualifiedErrorId -split ',')[0]
            $id | Should -BeIn @('InvalidName', 'ParameterArgumentValidationErrorEmptyStringNotAllowed', 'ImageMissing')
        }

        It 'rejects volume <Label> before mounting' -ForEach @(
            @{ Label = 'with a missing host path'; Spec = '/var/tmp/cc-rel-missing-{0}:/data'; ErrorId = 'VolumeSourceNotFound' }
            @{ Label = 'with a relative container path'; Spec = '/tmp:data'; ErrorId = 'InvalidVolume' }
            @{ Label = 'with a relative host path'; Spec = 'tmp:/data'; ErrorId = 'InvalidVolume' }
            @{ Label = 'escaping with ..'; Spec = '/tmp:/data/../../etc'; ErrorId = 'InvalidVolume' }
            @{ Label = 'on the container root'; Spec = '/tmp:/'; ErrorId = 'InvalidVolume' }
            @{ Label = 'with a newline'; Spec = "/tmp:/data`n/etc:/x"; ErrorId = 'InvalidVolume' }
            @{ Label = 'with an unknown mode'; Spec = '/tmp:/data:rx'; ErrorId = 'InvalidVolume' }
        ) {
            $name = New-TestName 'rel-volume-bad'
            $text = $Spec -f [guid]::NewGuid().ToString('N')

            { Invoke-CcRun -Name $name -Volume $text -ErrorAction Stop $Image true } | Should -Throw -ErrorId "$ErrorId,*"

            Get-CcContainer -Name $name -ErrorAction Ignore | Should -BeNullOrEmpty
            Get-ContainerMounts $name | Should -BeNullOrEmpty
        }

        It 'creates no host folder through a link the container planted' {
            $name = New-TestName 'rel-volume-link'
            $outside = Join-Path '/var/tmp' (New-TestName 'cc-rel-outside')
            New-Item -ItemType Directory -Path $outside | Out-Null
            try {
                Invoke-CcRun -Name $name -Volume "${TestDrive}:/vol/sub" $Image -- sh -c "mv /vol /vol-old && ln -s $outside /vol"

                { Invoke-CcExec $name -ErrorAction Stop -- true } | Should -Throw -ErrorId 'ContainerStartFailed,*'

                @(Get-ChildItem -Force $outside) | Should -BeNullOrEmpty
                Get-ContainerMounts $name | Should -BeNullOrEmpty
            }
            finally {
                Remove-CcContainer $name -Confirm:$false -ErrorAction Ignore
                Remove-Item -Recurse -Force -LiteralPath $outside
            }
        }
    }

    Context 'Jail' {
        BeforeAll {
            $script:HostMarker = Join-Path '/var/tmp' (New-TestName 'cc-rel-host-marker')
            New-Item -ItemType File -Path $HostMarker | Out-Null
        }

        AfterAll {
            Remove-Item -LiteralPath $HostMarker -ErrorAction Ignore
        }

        It 'holds against the chroot escape in Invoke-CcRun' {
            $result = Invoke-CcRun $Image -- perl -e $EscapeScript $HostMarker /container-marker

            $result | Should -Contain 'chroot-into-subdir=failed'
            $result | Should -Contain 'chroot-back=failed'
            $result | Should -Contain 'host-marker=hidden'
            $result | Should -Contain 'container-marker=visible'
        }

        It 'holds against the chroot escape in Invoke-CcExec of a <State> container' -ForEach @(
            @{ State = 'running' }, @{ State = 'stopped' }
        ) {
            $name = New-TestName 'rel-jail'
            $shell = $null
            try {
                if ($State -eq 'running') {
                    $shell = Start-TestShell "Invoke-CcRun -Name $name -StopTimeout 0 $Image -- sleep 600"
                    Wait-Running $name $shell
                }
                else {
                    Invoke-CcRun -Name $name $Image true
                }

                $result = Invoke-CcExec $name -- perl -e $EscapeScript $HostMarker /container-marker

                $result | Should -Contain 'chroot-into-subdir=failed'
                $result | Should -Contain 'chroot-back=failed'
                $result | Should -Contain 'host-marker=hidden'
                $result | Should -Contain 'container-marker=visible'
            }
            finally {
                Stop-CcContainer $name -Timeout 0 -ErrorAction Ignore
                if ($shell) { $shell.WaitForExit(30000) | Out-Null }
                Remove-CcContainer $name -Confirm:$false -ErrorAction Ignore
            }
            Get-ContainerMounts $name | Should -BeNullOrEmpty
        }

        It 'denies mount, mknod and the host root through /proc/1/root' {
            $result = Invoke-CcRun $Image -- sh -c @'
mount -t tmpfs x /mnt 2>/dev/null && echo mount=ok || echo mount=failed
mknod /tmp/disk b 8 0 2>/dev/null && echo mknod=ok || echo mknod=failed
test -e /proc/1/root$0 && echo proc-root=host || echo proc-root=container
'@ $HostMarker

            $result | Should -Contain 'mount=failed'
            $result | Should -Contain 'mknod=failed'
            $result | Should -Contain 'proc-root=container'
        }

        It 'closes a directory descriptor the caller left open' {
            $command = "Invoke-CcRun $Image -- sh -c 'test -e /proc/self/fd/9 && ls /proc/self/fd/9/ || echo closed'"
            $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$Manifest'; $command"
            $output = bash -c 'exec 9</ && exec "$@"' bash ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script

            $output | Should -Be 'closed'
        }

        It 'gives -Network None only loopback' {
            $lines = Invoke-CcRun -Network None $Image cat /proc/net/dev
            $interfaces = @($lines | Select-Object -Skip 2 | ForEach-Object { ($_ -split ':')[0].Trim() })

            $interfaces | Should -Be @('lo')
        }

        It 'shares the host network by default' {
            $lines = Invoke-CcRun $Image cat /proc/net/dev
            $inside = @($lines | Select-Object -Skip 2 | ForEach-Object { ($_ -split ':')[0].Trim() } | Sort-Object)
            $outside = @(Get-Content /proc/net/dev | Select-Object -Skip 2 | ForEach-Object { ($_ -split ':')[0].Trim() } | Sort-Object)

            $inside | Should -Be $outside
            $inside.Count | Should -BeGreaterThan 1
        }

        It 'keeps the store readable by root only' {
            (Get-Item $env:COOKIECUTTER_ROOT).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        }
    }
}
