namespace CookieCutter.Engine.Host;

/// <summary>
/// What <see cref="HostSetup.Run"/> found on the host and did to it.
/// </summary>
public sealed class HostReport
{
    internal HostReport(
        string storeRoot,
        bool storeCreated,
        string? bootstrapper,
        string? nspawn,
        bool overlaySupported,
        IReadOnlyList<string> namespaces,
        bool machinedAvailable,
        string cgroupLayout,
        IReadOnlyList<string> missingPackages,
        IReadOnlyList<string> installedPackages)
    {
        StoreRoot = storeRoot;
        StoreCreated = storeCreated;
        Bootstrapper = bootstrapper;
        Nspawn = nspawn;
        OverlaySupported = overlaySupported;
        Namespaces = namespaces;
        MachinedAvailable = machinedAvailable;
        CgroupLayout = cgroupLayout;
        MissingPackages = missingPackages;
        InstalledPackages = installedPackages;
    }

    /// <summary>Store root.</summary>
    public string StoreRoot { get; }

    /// <summary>Whether this run created the store (false when it existed).</summary>
    public bool StoreCreated { get; }

    /// <summary>Path of mmdebstrap or debootstrap, or null when neither is installed.</summary>
    public string? Bootstrapper { get; }

    /// <summary>Path of systemd-nspawn, or null when it is not installed.</summary>
    public string? Nspawn { get; }

    /// <summary>Whether the kernel offers overlayfs.</summary>
    public bool OverlaySupported { get; }

    /// <summary>Namespace kinds the kernel offers, such as pid, mnt, uts, ipc and net.</summary>
    public IReadOnlyList<string> Namespaces { get; }

    /// <summary>Whether systemd-machined runs, so booted containers can be registered.</summary>
    public bool MachinedAvailable { get; }

    /// <summary>cgroup layout: <c>v2</c>, <c>v1</c>, <c>hybrid</c> or <c>none</c>.</summary>
    public string CgroupLayout { get; }

    /// <summary>Host packages still missing.</summary>
    public IReadOnlyList<string> MissingPackages { get; }

    /// <summary>Host packages this run installed.</summary>
    public IReadOnlyList<string> InstalledPackages { get; }

    /// <summary>Whether everything needed to build and run containers is there.</summary>
    public bool IsReady => OverlaySupported && Bootstrapper is not null && MissingPackages.Count == 0;
}
