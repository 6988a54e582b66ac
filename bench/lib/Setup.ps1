# Prerequisites, work dir, store images, Podman configuration and cleanup for
# Invoke-Benchmark.ps1.

function Install-Prerequisites {
    <#
    .SYNOPSIS
    Installs missing programs with apt-get, or names them when -SkipInstall is given. A program
    that stays missing turns its peer rows into "skipped" rows.
    #>
    param(
        [switch]$BaseImage,

        [switch]$BootstrapRootFs,

        [switch]$SkipInstall
    )

    $packages = [ordered]@{
        podman = 'podman'
        buildah = 'buildah'
        runc = 'runc'
        'systemd-nspawn' = 'systemd-container'
        nsenter = 'util-linux'
        unshare = 'util-linux'
    }
    if ($BaseImage -or $BootstrapRootFs) {
        $packages['mmdebstrap'] = 'mmdebstrap'
    }

    if ($BaseImage) {
        $packages['debootstrap'] = 'debootstrap'
    }

    $missing = @($packages.Keys | Where-Object { -not (Test-Program $_) })
    $names = @($missing | ForEach-Object { $packages[$_] } | Select-Object -Unique)
    if ($names.Count -gt 0 -and $SkipInstall) {
        $list = $names -join ' '
        Write-Warning "Missing packages, whose rows are skipped: $list. Install them with: apt-get install $list"
    }
    elseif ($names.Count -gt 0) {
        Write-Host "Installing $($names -join ' ') with apt-get"
        Invoke-Native apt-get -ArgumentList @('update', '-qq') | Out-Null
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get -ArgumentList (@('install', '-y', '-qq') + $names) -AllowFailure | Out-Null
    }

    foreach ($program in $packages.Keys) {
        $script:Bench.Tools[$program] = Test-Program $program
    }

    $stillMissing = @($packages.Keys | Where-Object { -not $script:Bench.Tools[$_] })
    if ($stillMissing.Count -gt 0) {
        Write-Warning "Still missing, their rows are skipped: $($stillMissing -join ', ')"
    }
}

function Test-Program {
    param([string]$Name)

    return [bool](Get-Command $Name -CommandType Application -ErrorAction Ignore)
}

function Assert-WorkDirFree {
    <#
    .SYNOPSIS
    Throws when an entry that the run would create in the work dir already exists, because the
    cleanup at the end deletes exactly those entries.
    #>
    $bench = $script:Bench
    foreach ($name in $bench.Entries) {
        $path = Join-Path $bench.WorkDir $name
        if (Test-Path $path) {
            throw ("'$path' already exists, left over from an earlier run or not made by this script. " +
                'Unmount anything below it, delete it and run again, or pick another -WorkDir.')
        }
    }
}

function Initialize-WorkDir {
    <#
    .SYNOPSIS
    Creates the work dir, the Cookie-Cutter store and the Podman configuration, and sets the
    environment variables that point the module and Podman at them.
    #>
    param([string]$RootFs)

    $bench = $script:Bench
    New-Item -ItemType Directory -Force -Path $bench.WorkDir | Out-Null
    foreach ($folder in 'images/empty/diff', 'containers', 'locks', 'cache') {
        New-Item -ItemType Directory -Force -Path (Join-Path $bench.Store $folder) | Out-Null
    }

    $env:COOKIECUTTER_ROOT = $bench.Store
    New-PodmanConfiguration

    if ($RootFs) {
        $bench.RootFs = [IO.Path]::GetFullPath($RootFs)
    }
    else {
        $bench.RootFs = Join-Path $bench.WorkDir 'rootfs'
        Write-Host "Bootstrapping a minbase root file system into $($bench.RootFs) with mmdebstrap"
        $mirror = Get-HostMirror
        $arguments = @('--variant=minbase', '--quiet', $mirror.Suite, $bench.RootFs, $mirror.Uri)
        Invoke-Native mmdebstrap -ArgumentList $arguments | Out-Null
    }

    if (-not (Test-Path (Join-Path $bench.RootFs 'bin/true'))) {
        throw "'$($bench.RootFs)' is not a root file system: it has no bin/true."
    }
}

function New-PodmanConfiguration {
    <#
    .SYNOPSIS
    Writes containers.conf and storage.conf that keep Podman's and Buildah's storage, run
    state and event log in the work dir. runc and cgroupfs are used because crun (Podman 4.3)
    rejects a host with a hybrid cgroup layout, and the explicit ulimits avoid raising limits
    that root without CAP_SYS_RESOURCE cannot raise.
    #>
    $podman = $script:Bench.PodmanDir
    foreach ($folder in 'storage', 'run', 'tmp') {
        New-Item -ItemType Directory -Force -Path (Join-Path $podman $folder) | Out-Null
    }

    $containersConf = Join-Path $podman 'containers.conf'
    Set-Content -Path $containersConf -Value @"
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$podman/tmp"
"@

    $storageConf = Join-Path $podman 'storage.conf'
    Set-Content -Path $storageConf -Value @"
[storage]
driver = "overlay"
graphroot = "$podman/storage"
runroot = "$podman/run"
"@

    $env:CONTAINERS_CONF = $containersConf
    $env:CONTAINERS_STORAGE_CONF = $storageConf
}

function Get-HostMirror {
    <#
    .SYNOPSIS
    Returns the first Debian mirror and the suite that the host's own apt sources name.
    #>
    $uri = $null
    $deb822 = '/etc/apt/sources.list.d/debian.sources'
    if (Test-Path $deb822) {
        $line = Select-String -Path $deb822 -Pattern '^URIs:\s*(\S+)' | Select-Object -First 1
        if ($line) {
            $uri = $line.Matches[0].Groups[1].Value
        }
    }

    if (-not $uri -and (Test-Path /etc/apt/sources.list)) {
        $pattern = '^deb\s+(?:\[[^\]]*\]\s+)?(\S+)'
        $line = Select-String -Path /etc/apt/sources.list -Pattern $pattern | Select-Object -First 1
        if ($line) {
            $uri = $line.Matches[0].Groups[1].Value
        }
    }

    if (-not $uri) {
        throw ('No Debian mirror found in /etc/apt/sources.list.d/debian.sources or ' +
            '/etc/apt/sources.list. Pass -RootFs with a root file system instead.')
    }

    $suite = (Select-String -Path /etc/os-release -Pattern '^VERSION_CODENAME=(\S+)').Matches[0].Groups[1].Value
    return [pscustomobject]@{ Uri = $uri; Suite = $suite }
}

function Import-CcModule {
    <#
    .SYNOPSIS
    Copies the built module into the work dir and imports the copy, so that a rebuild of the
    repository during the run cannot swap files under the measurement.
    #>
    param([string]$Path)

    if (-not (Test-Path $Path)) {
        Write-Warning ("Module manifest '$Path' not found, so every Cookie-Cutter row is 'not available'. " +
            'Build it with: dotnet tool restore && dotnet pwsh ./build.ps1')
        return
    }

    $source = Split-Path (Resolve-Path $Path).Path
    $copy = Join-Path $script:Bench.WorkDir 'module'
    New-Item -ItemType Directory -Force -Path $copy | Out-Null
    foreach ($item in Get-ChildItem -Path $source -Filter '*.ps*1*') {
        Copy-Item -Path $item.FullName -Destination $copy
    }

    foreach ($folder in 'bin', 'en-US') {
        if (Test-Path (Join-Path $source $folder)) {
            Copy-Item -Recurse -Path (Join-Path $source $folder) -Destination $copy
        }
    }

    $manifest = Join-Path $copy (Split-Path -Leaf $Path)
    try {
        Import-Module $manifest -Force
        $script:Bench.ModulePath = $manifest
        $script:Bench.ModuleVersion = (Import-PowerShellDataFile $manifest).ModuleVersion
        $script:Bench.ModuleLoaded = $true
    }
    catch {
        $reason = $_.Exception.Message
        Write-Warning "Importing '$Path' failed, so every Cookie-Cutter row is 'not available': $reason"
    }
}

function New-VersionName {
    # The module's version name format: UTC time with nanoseconds, a dot, six letters or digits.
    $now = [DateTime]::UtcNow
    $nanoseconds = ($now.Ticks % [TimeSpan]::TicksPerSecond) * 100
    $letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
    $suffix = -join (1..6 | ForEach-Object { $letters[(Get-Random -Maximum $letters.Length)] })
    return '{0}_{1:D9}.{2}' -f $now.ToString('yyyy-MM-dd_HH-mm-ss'), $nanoseconds, $suffix
}

function Add-StoreImage {
    <#
    .SYNOPSIS
    Writes an image version into the store in the on-disk layout the module reads (diff/,
    from, self, references/ and the current link) and returns the version folder. The layer
    is a copy of -CopyFrom, or holds only the file -LayerFile.
    #>
    param(
        [Parameter(Mandatory)]
        [string]$Name,

        [string]$ParentVersionPath,

        [string]$CopyFrom,

        [string]$LayerFile
    )

    $images = Join-Path $script:Bench.Store 'images'
    $version = New-VersionName
    $imagePath = Join-Path $images $Name
    $versionPath = Join-Path $imagePath 'versions' $version
    $diff = Join-Path $versionPath 'diff'
    New-Item -ItemType Directory -Force -Path (Join-Path $versionPath 'references/containers') | Out-Null
    New-Item -ItemType Directory -Force -Path (Join-Path $versionPath 'references/images') | Out-Null
    if ($CopyFrom) {
        Invoke-Native cp -ArgumentList @('-a', '--', $CopyFrom, $diff) | Out-Null
    }
    else {
        New-Item -ItemType Directory -Path $diff | Out-Null
    }

    if ($LayerFile) {
        $file = Join-Path $diff $LayerFile
        New-Item -ItemType Directory -Force -Path (Split-Path $file) | Out-Null
        Set-Content -Path $file -Value $Name
    }

    # The module caches a layer's size (bytes of its regular files) in the version's size file.
    $sizes = Invoke-Native find -ArgumentList @($diff, '-type', 'f', '-printf', '%s\n')
    $size = ($sizes -split "`n" | Where-Object { $_ } | ForEach-Object { [long]$_ } | Measure-Object -Sum).Sum
    Set-Content -Path (Join-Path $versionPath 'size') -Value ([long]$size)

    $relative = "$Name/versions/$version"
    $from = 'empty'
    if ($ParentVersionPath) {
        $from = [IO.Path]::GetRelativePath($images, $ParentVersionPath)
    }

    Set-Content -Path (Join-Path $versionPath 'from') -Value $from
    $self = Join-Path $versionPath 'self'
    Set-Content -Path $self -Value $relative
    if ($ParentVersionPath) {
        $link = Join-Path $ParentVersionPath 'references/images' "$Name@$version"
        New-Item -ItemType HardLink -Path $link -Target $self | Out-Null
    }

    $current = Join-Path $imagePath 'current'
    New-Item -ItemType SymbolicLink -Path $current -Target "versions/$version" | Out-Null
    return $versionPath
}

function Get-LowerDirs {
    <#
    .SYNOPSIS
    Returns the layer chain of an image version as overlay lower dirs relative to the store
    root, top first, ending with the empty image's layer, by following the from files.
    #>
    param([string]$VersionPath)

    $images = Join-Path $script:Bench.Store 'images'
    $layers = [Collections.Generic.List[string]]::new()
    $path = $VersionPath
    while ($path) {
        $layers.Add([IO.Path]::GetRelativePath($script:Bench.Store, (Join-Path $path 'diff')))
        $from = (Get-Content (Join-Path $path 'from') -Raw).Trim()
        $path = if ($from -eq 'empty') { $null } else { Join-Path $images $from }
    }

    $layers.Add('images/empty/diff')
    return $layers -join ':'
}

function Initialize-Images {
    <#
    .SYNOPSIS
    Creates the benchmark images: the small one (a copy of the root file system), a large one
    with 10,000 extra files, and a chain of one-file layers that gives images 10 and 50 layers
    deep, in the store and, for the first two, in Podman's storage.
    #>
    $bench = $script:Bench
    Write-Host 'Creating images'
    $bench.SmallVersion = Add-StoreImage -Name $bench.SmallImage -CopyFrom $bench.RootFs
    $bench.SmallRoot = Join-Path $bench.SmallVersion 'diff'
    $entries = (Invoke-Native find -ArgumentList @($bench.SmallRoot)) -split "`n"
    $bench.RootFsFiles = @($entries | Where-Object { $_ }).Count

    $bench.ClassicVersion = Add-StoreImage -Name $bench.ClassicImage -CopyFrom $bench.RootFs
    Remove-Item (Join-Path $bench.ClassicVersion 'size')

    $bench.LargeVersion = Add-StoreImage -Name $bench.LargeImage -CopyFrom $bench.RootFs
    $filesRoot = Join-Path $bench.LargeVersion 'diff/usr/share/bench-files'
    for ($folder = 0; $folder -lt 100; $folder++) {
        $folderPath = Join-Path $filesRoot ('d{0:D2}' -f $folder)
        New-Item -ItemType Directory -Force -Path $folderPath | Out-Null
        for ($file = 0; $file -lt 100; $file++) {
            [IO.File]::WriteAllText((Join-Path $folderPath ('f{0:D2}' -f $file)), "file $folder/$file`n")
        }
    }

    $bench.DepthVersions = @{ 1 = $bench.SmallVersion }
    $bench.DepthImages = @{ 1 = $bench.SmallImage }
    $parent = $bench.SmallVersion
    for ($depth = 2; $depth -le 50; $depth++) {
        $name = 'bench-layer-{0:D2}' -f $depth
        $parent = Add-StoreImage -Name $name -ParentVersionPath $parent -LayerFile ('layers/{0:D2}' -f $depth)
        if ($depth -in 10, 50) {
            $bench.DepthVersions[$depth] = $parent
            $bench.DepthImages[$depth] = $name
        }
    }

    $context = Join-Path $bench.WorkDir 'context'
    New-Item -ItemType Directory -Force -Path $context | Out-Null
    $blob = [byte[]]::new(1MB)
    [Random]::new(7).NextBytes($blob)
    [IO.File]::WriteAllBytes((Join-Path $context 'blob'), $blob)
    $bench.Context = $context

    $bench.PodmanDepthImages = @{}
    if ($bench.Tools['podman']) {
        Import-PodmanImage -Root $bench.SmallRoot -Name $bench.PodmanSmall
        Import-PodmanImage -Root (Join-Path $bench.LargeVersion 'diff') -Name $bench.PodmanLarge
        New-PodmanDepthImages
    }
}

function New-PodmanDepthImages {
    <#
    .SYNOPSIS
    Builds Podman images 10 and 50 layers deep, the same one-file layers on the small image as
    in the store, with one COPY step per layer. A failure leaves those Podman rows out.
    #>
    $bench = $script:Bench
    $bench.PodmanDepthImages[1] = $bench.PodmanSmall
    $layers = Join-Path $bench.Context 'layers'
    New-Item -ItemType Directory -Force -Path $layers | Out-Null
    $steps = [Collections.Generic.List[string]]::new()
    $steps.Add("FROM $($bench.PodmanSmall)")
    for ($depth = 2; $depth -le 50; $depth++) {
        $file = '{0:D2}' -f $depth
        Set-Content -Path (Join-Path $layers $file) -Value "bench-layer-$file"
        $steps.Add("COPY layers/$file /layers/$file")
        if ($depth -notin 10, 50) {
            continue
        }

        $name = "localhost/cc-bench-depth-$depth"
        $containerfile = Join-Path $bench.Context "podman-depth-$depth.Containerfile"
        Set-Content -Path $containerfile -Value $steps
        try {
            $build = @('build', '--quiet', '--layers', '-t', $name, '-f', $containerfile, $bench.Context)
            Invoke-Native podman -ArgumentList $build | Out-Null
            $bench.PodmanDepthImages[$depth] = $name
        }
        catch {
            Write-Warning "Building the Podman image $depth layers deep failed: $($_.Exception.Message)"
        }
    }
}

function Import-PodmanImage {
    param(
        [string]$Root,

        [string]$Name
    )

    $pipeline = 'set -o pipefail; tar -C "$1" -c . | podman import --quiet - "$2"'
    Invoke-Native bash -ArgumentList @('-c', $pipeline, 'import', $Root, $Name) | Out-Null
}

function Clear-WorkDir {
    <#
    .SYNOPSIS
    Removes the Podman containers and images the run made, unmounts everything below the
    entries it created in the work dir and, unless -Keep is given, deletes those entries.
    #>
    param([switch]$Keep)

    $bench = $script:Bench
    if ($bench.Tools['podman'] -and (Test-Path (Join-Path $bench.PodmanDir 'storage.conf'))) {
        Invoke-Native podman -ArgumentList @('rm', '--all', '--force', '--time', '0') -AllowFailure | Out-Null
        if (-not $Keep) {
            Invoke-Native podman -ArgumentList @('rmi', '--all', '--force') -AllowFailure | Out-Null
        }
    }

    if ($bench.Tools['buildah'] -and (Test-Path (Join-Path $bench.PodmanDir 'storage.conf'))) {
        Invoke-Native buildah -ArgumentList @('rm', '--all') -AllowFailure | Out-Null
    }

    $entries = @($bench.Entries | ForEach-Object { Join-Path $bench.WorkDir $_ })
    $mounts = @(Get-Content /proc/mounts | ForEach-Object { ($_ -split ' ')[1] } |
        Where-Object {
            $mount = $_
            @($entries | Where-Object { $mount.StartsWith($_ + '/', [StringComparison]::Ordinal) }).Count -gt 0
        } |
        Sort-Object -Property Length -Descending)
    foreach ($mount in $mounts) {
        Invoke-Native umount -ArgumentList @('--lazy', $mount) -AllowFailure | Out-Null
    }

    if (-not $bench.ShmLockExisted -and (Test-Path /dev/shm/libpod_lock)) {
        Remove-Item /dev/shm/libpod_lock
    }

    if ($Keep) {
        return
    }

    foreach ($entry in $entries | Where-Object { Test-Path -LiteralPath $_ }) {
        $arguments = @('-rf', '--one-file-system', '--', $entry)
        Invoke-Native rm -ArgumentList $arguments -AllowFailure | Out-Null
    }
}

function Format-BoundParameters {
    param([hashtable]$Parameters)

    $words = foreach ($key in $Parameters.Keys) {
        $value = $Parameters[$key]
        if ($value -is [switch]) {
            if ($value) { " -$key" }
        }
        else {
            " -$key $value"
        }
    }

    return -join $words
}
