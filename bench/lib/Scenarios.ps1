# The timed comparisons of Invoke-Benchmark.ps1: run latency, named lifecycle, exec, build,
# and their scaling with image size and layer depth.

$script:RunMeasure = 'run `true` in a new container, then delete it'
$script:BuildSteps = 'FROM + 3 RUN + COPY 1 MiB'
$script:NspawnOptions = @(
    '--quiet', '--pipe', '--register=no', '--keep-unit', '--volatile=overlay',
    '--resolv-conf=off', '--timezone=off', '--link-journal=no')

function Invoke-Floor {
    <#
    .SYNOPSIS
    Runs the shell-script floor: overlay mount of the given lower dirs (relative to the store
    root), unshare of pid/mount/uts/ipc, chroot, `true`, unmount.
    #>
    param([string]$LowerDirs)

    $bench = $script:Bench
    Invoke-Native $bench.FloorScript -ArgumentList @($bench.Store, $LowerDirs, $bench.Scratch, 'true') | Out-Null
}

function Invoke-CcQuiet {
    <#
    .SYNOPSIS
    Runs a destructive module cmdlet on one target without prompting: -Confirm:$false, plus
    -Force where the cmdlet asks for it through ShouldContinue.
    #>
    param(
        [string]$Cmdlet,

        [string]$Target
    )

    $command = Get-CcCommand $Cmdlet
    $arguments = @{ Confirm = $false }
    if ($command.Parameters.ContainsKey('Force')) {
        $arguments['Force'] = $true
    }

    $null = & $command $Target @arguments
}

function Invoke-Podman {
    param([string[]]$ArgumentList)

    Invoke-Native podman -ArgumentList $ArgumentList
}

function New-RunContenders {
    <#
    .SYNOPSIS
    Returns the run-latency contenders for one image: the module, the shell floor and, when
    a Podman image name is given, Podman.
    #>
    param(
        [string]$Image,

        [string]$VersionPath,

        [string]$PodmanImage
    )

    New-Contender -Tool 'Cookie-Cutter' -Cmdlet Invoke-CcRun -Argument $Image `
        -Action { param($image) Invoke-CcRun -Rm $image true }
    New-Contender -Tool 'shell floor' -Argument (Get-LowerDirs $VersionPath) -Action { param($lower) Invoke-Floor $lower }
    if ($PodmanImage) {
        New-Contender -Tool 'Podman' -Program podman -Argument $PodmanImage `
            -Action { param($image) Invoke-Podman @('run', '--rm', $image, 'true') }
    }
}

function Measure-ProcessStart {
    $contender = New-Contender -Tool 'process start' -Action { Invoke-Native /bin/true } `
        -Note 'included once in every peer row, not in Cookie-Cutter rows'
    Measure-Group -Section 'Harness' -Measure 'start `/bin/true` from this session' -Contenders $contender
}

function Measure-RunLatency {
    $bench = $script:Bench
    $contenders = @(New-RunContenders -Image $bench.SmallImage -VersionPath $bench.SmallVersion `
            -PodmanImage $bench.PodmanSmall)
    $contenders += New-Contender -Tool 'systemd-nspawn' -Program systemd-nspawn -Argument $bench.SmallRoot `
        -Note 'a tmpfs overlay per run (--volatile=overlay)' `
        -Action {
            param($root)
            Invoke-Native systemd-nspawn -ArgumentList ($script:NspawnOptions + @('-D', $root, 'true')) | Out-Null
        }
    Measure-Group -Section 'Run latency' -Measure $script:RunMeasure -Contenders $contenders
}

function Measure-NamedLifecycle {
    $bench = $script:Bench
    $contenders = @(
        New-Contender -Tool 'Cookie-Cutter' -Cmdlet Invoke-CcRun, Remove-CcContainer -Argument $bench.SmallImage `
            -Action {
                param($image)
                $null = Invoke-CcRun -Name bench-named $image true
                Invoke-CcQuiet Remove-CcContainer bench-named
            }
        New-Contender -Tool 'shell floor' -Argument (Get-LowerDirs $bench.SmallVersion) `
            -Note 'the same work as the run floor' -Action { param($lower) Invoke-Floor $lower }
        New-Contender -Tool 'Podman' -Program podman -Argument $bench.PodmanSmall `
            -Action {
                param($image)
                Invoke-Podman @('run', '--name', 'cc-bench-named', $image, 'true') | Out-Null
                Invoke-Podman @('rm', 'cc-bench-named') | Out-Null
            })
    Measure-Group -Section 'Named lifecycle' -Measure 'create and run `true` as a named container, then remove it' `
        -Contenders $contenders
}

function Start-CcAttached {
    <#
    .SYNOPSIS
    Starts `sleep 600` in a named container from a thread job of this session, as a user would
    in a second terminal, and returns the job and the host pid of the container's first process.
    #>
    param([string]$Name)

    $bench = $script:Bench
    $job = Start-ThreadJob -ArgumentList $bench.ModulePath, $bench.SmallImage, $Name -ScriptBlock {
        param($modulePath, $image, $name)
        Import-Module $modulePath
        Invoke-CcRun -Name $name $image sleep 600
    }

    $pidFile = Join-Path $bench.Store 'containers' $Name 'pid'
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (Test-Path $pidFile) {
            $text = (Get-Content $pidFile -Raw -ErrorAction Ignore)
            if ($text -and (Test-Path "/proc/$($text.Trim())/ns/pid")) {
                return [pscustomobject]@{ Job = $job; Pid = [int]$text.Trim(); Name = $Name }
            }
        }

        if ($job.State -in 'Completed', 'Failed', 'Stopped') {
            $reason = ($job.ChildJobs[0].Error | Select-Object -First 1)
            Remove-Job -Job $job -Force
            throw "Invoke-CcRun of '$Name' ended before its container started: $reason"
        }

        Start-Sleep -Milliseconds 20
    }

    Stop-Job -Job $job
    Remove-Job -Job $job -Force
    throw "Container '$Name' did not start within 30 seconds."
}

function Stop-CcAttached {
    param($Container)

    if (Get-CcCommand Stop-CcContainer) {
        Invoke-CcQuiet Stop-CcContainer $Container.Name
    }
    else {
        Invoke-Native kill -ArgumentList @('-KILL', [string]$Container.Pid) -AllowFailure | Out-Null
    }

    if (-not (Wait-Job -Job $Container.Job -Timeout 30)) {
        Write-Warning "Container '$($Container.Name)' still runs 30 seconds after it was stopped."
        Stop-Job -Job $Container.Job
    }

    Remove-Job -Job $Container.Job -Force
    if (Get-CcCommand Remove-CcContainer) {
        Invoke-CcQuiet Remove-CcContainer $Container.Name
    }
}

function Start-PodmanDetached {
    param([string]$Name)

    Invoke-Podman @('run', '--detach', '--name', $Name, $script:Bench.PodmanSmall, 'sleep', '600') | Out-Null
    return [int](Invoke-Podman @('inspect', '--format', '{{.State.Pid}}', $Name)).Trim()
}

function Measure-Exec {
    $bench = $script:Bench
    $section = 'Exec'
    $measure = 'run `true` in a running container'
    $ccContainer = $null
    $podmanStarted = $false
    try {
        $cc = New-Contender -Tool 'Cookie-Cutter' -Cmdlet Invoke-CcRun, Invoke-CcExec -Argument 'bench-exec' `
            -Action { param($name) Invoke-CcExec $name true }
        if (-not $cc.Unavailable) {
            $ccContainer = Start-CcAttached -Name bench-exec
        }

        $podman = New-Contender -Tool 'Podman' -Program podman -Argument 'cc-bench-exec' `
            -Action { param($name) Invoke-Podman @('exec', $name, 'true') | Out-Null }
        $podmanPid = $null
        if (-not $podman.Unavailable) {
            $podmanPid = Start-PodmanDetached -Name cc-bench-exec
            $podmanStarted = $true
        }

        $target = if ($ccContainer) { $ccContainer.Pid } else { $podmanPid }
        $owner = if ($ccContainer) { 'the Cookie-Cutter container' } else { 'the Podman container' }
        $nsenter = New-Contender -Tool 'nsenter' -Program nsenter -Argument ([string]$target) -Note "into $owner" `
            -Action {
                param($target)
                Invoke-Native nsenter -ArgumentList @('-t', $target, '-m', '-u', '-i', '-p', '-r', '-w', 'true') | Out-Null
            }
        if (-not $target) {
            $nsenter.Unavailable = 'skipped: no running container to enter'
        }

        Measure-Group -Section $section -Measure $measure -Contenders $cc, $nsenter, $podman
    }
    catch {
        Add-Row -Section $section -Measure $measure -Tool 'Cookie-Cutter' -Note "failed: $($_.Exception.Message)"
    }
    finally {
        if ($ccContainer) {
            Stop-CcAttached $ccContainer
        }

        if ($podmanStarted) {
            $remove = @('rm', '--force', '--time', '0', 'cc-bench-exec')
            Invoke-Native podman -ArgumentList $remove -AllowFailure | Out-Null
        }
    }
}

function Write-BuildFiles {
    <#
    .SYNOPSIS
    Writes a build spec and the equivalent Containerfile into the build context: FROM, three
    RUN steps and a COPY of the 1 MiB blob, or with -Minimal FROM and `RUN true`.
    #>
    param(
        [string]$Name,

        [string]$CcBase,

        [string]$PodmanBase,

        [switch]$Minimal
    )

    $steps = if ($Minimal) {
        @('RUN true')
    }
    else {
        @(
            'RUN echo one > /bench-one',
            'RUN mkdir -p /opt/bench',
            'RUN date > /opt/bench/built',
            'COPY blob /opt/bench/blob')
    }

    $context = $script:Bench.Context
    $spec = Join-Path $context "$Name.spec"
    $containerfile = Join-Path $context "$Name.Containerfile"
    Set-Content -Path $spec -Value (@("FROM $CcBase") + $steps)
    Set-Content -Path $containerfile -Value (@("FROM $PodmanBase") + $steps)
    return [pscustomobject]@{ Spec = $spec; Containerfile = $containerfile }
}

function Invoke-CcBuild {
    <#
    .SYNOPSIS
    Runs New-CcImage on a spec and the benchmark's build context, by parameter name when the
    cmdlet has the expected ones and by position otherwise. With -Cold the build cache is
    bypassed with -NoCache or, without that parameter, emptied first.
    #>
    param(
        [string]$Image,

        [string]$Spec,

        [switch]$Cold
    )

    $parameters = (Get-CcCommand New-CcImage).Parameters.Keys
    $pick = { param($names) $names | Where-Object { $_ -in $parameters } | Select-Object -First 1 }
    $imageParameter = & $pick @('Name', 'Image', 'ImageName')
    $specParameter = & $pick @('Spec', 'SpecPath', 'Path', 'File')
    $contextParameter = & $pick @('Context', 'ContextPath', 'BuildContext')
    $arguments = @{}
    if ($Cold -and 'NoCache' -in $parameters) {
        $arguments['NoCache'] = $true
    }
    elseif ($Cold) {
        Get-ChildItem -Force (Join-Path $script:Bench.Store 'cache') | Remove-Item -Recurse -Force
    }

    if ($imageParameter -and $specParameter -and $contextParameter) {
        $arguments[$imageParameter] = $Image
        $arguments[$specParameter] = $Spec
        $arguments[$contextParameter] = $script:Bench.Context
        $null = New-CcImage @arguments
    }
    else {
        $null = New-CcImage $Image $Spec $script:Bench.Context @arguments
    }
}

function New-BuildContenders {
    <#
    .SYNOPSIS
    Returns the build contenders for one pair of build files: the module, and Podman and
    Buildah unless -ModuleOnly is given. Cold peer builds use --no-cache and prune their
    intermediate images afterwards, outside the timing.
    #>
    param(
        [string]$Image,

        [object]$Files,

        [switch]$Cold,

        [switch]$ModuleOnly
    )

    New-Contender -Tool 'Cookie-Cutter' -Cmdlet New-CcImage `
        -Argument ([pscustomobject]@{ Image = $Image; Spec = $Files.Spec; Cold = [bool]$Cold }) `
        -Action { param($build) Invoke-CcBuild -Image $build.Image -Spec $build.Spec -Cold:$build.Cold }
    if ($ModuleOnly) {
        return
    }

    foreach ($program in 'podman', 'buildah') {
        $verb = if ($program -eq 'podman') { 'build' } else { 'bud' }
        $options = @(
            '--quiet', '--layers', '-t', "localhost/$Image-$program", '-f', $Files.Containerfile,
            $script:Bench.Context)
        $arguments = if ($Cold) { @($verb, '--no-cache') + $options } else { @($verb) + $options }
        $prune = if ($program -eq 'podman') { @('image', 'prune', '--force') } else { @('rmi', '--prune') }
        $teardown = if ($Cold) {
            { param($build) Invoke-Native $build.Program -ArgumentList $build.Prune | Out-Null }
        }
        else {
            {}
        }

        $tool = if ($program -eq 'podman') { 'Podman' } else { 'Buildah' }
        New-Contender -Tool $tool -Program $program -Teardown $teardown `
            -Argument ([pscustomobject]@{ Program = $program; Arguments = $arguments; Prune = $prune }) `
            -Action { param($build) Invoke-Native $build.Program -ArgumentList $build.Arguments | Out-Null }
    }
}

function Measure-BuildPair {
    # Times cold builds, then unchanged rebuilds, of one pair of build files.
    param(
        [string]$Section,

        [string]$Label,

        [string]$Image,

        [object]$Files,

        [switch]$ModuleOnly
    )

    $count = $script:Bench.BuildRuns
    $cold = @(New-BuildContenders -Image $Image -Files $Files -Cold -ModuleOnly:$ModuleOnly)
    Measure-Group -Section $Section -Measure "$Label, cold" -Contenders $cold -Count $count -WarmupCount 1
    $warm = @(New-BuildContenders -Image $Image -Files $Files -ModuleOnly:$ModuleOnly)
    Measure-Group -Section $Section -Measure "$Label, unchanged rebuild" -Contenders $warm -Count $count -WarmupCount 1
}

function Measure-Build {
    $bench = $script:Bench
    $files = Write-BuildFiles -Name standard -CcBase $bench.SmallImage -PodmanBase $bench.PodmanSmall
    Measure-BuildPair -Section 'Build' -Label $script:BuildSteps -Image 'bench-build' -Files $files
}

function Measure-ImageSizeScaling {
    $bench = $script:Bench
    $section = 'Image size'
    $sizes = @(
        [pscustomobject]@{
            Label = 'small image'; Image = $bench.SmallImage; Version = $bench.SmallVersion
            Podman = $bench.PodmanSmall
        }
        [pscustomobject]@{
            Label = 'image + 10,000 files'; Image = $bench.LargeImage; Version = $bench.LargeVersion
            Podman = $bench.PodmanLarge
        }
        [pscustomobject]@{
            Label = 'small image without a size file'; Image = $bench.ClassicImage
            Version = $bench.ClassicVersion; Podman = $null
        })
    foreach ($size in $sizes) {
        $contenders = @(New-RunContenders -Image $size.Image -VersionPath $size.Version -PodmanImage $size.Podman)
        Measure-Group -Section $section -Measure "run ``true``, $($size.Label)" -Contenders $contenders
    }

    foreach ($size in $sizes | Where-Object Podman) {
        $files = Write-BuildFiles -Name "size-$($size.Image)" -CcBase $size.Image -PodmanBase $size.Podman
        Measure-BuildPair -Section $section -Label "$script:BuildSteps FROM $($size.Label)" `
            -Image "bench-size-$($size.Image)" -Files $files
    }
}

function Measure-LayerDepthScaling {
    $bench = $script:Bench
    $section = 'Layer depth'
    foreach ($depth in 1, 10, 50) {
        $label = if ($depth -eq 1) { '1 layer' } else { "$depth layers" }
        $contenders = @(New-RunContenders -Image $bench.DepthImages[$depth] -VersionPath $bench.DepthVersions[$depth] `
                -PodmanImage $bench.PodmanDepthImages[$depth])
        Measure-Group -Section $section -Measure "run ``true``, $label" -Contenders $contenders
    }

    foreach ($depth in 1, 10, 50) {
        $label = if ($depth -eq 1) { '1 layer' } else { "$depth layers" }
        $files = Write-BuildFiles -Name "depth-$depth" -CcBase $bench.DepthImages[$depth] -PodmanBase 'none'
        Measure-BuildPair -Section $section -Label "$script:BuildSteps FROM $label" -Image "bench-depth-$depth" `
            -Files $files -ModuleOnly
    }
}
