@{
    RootModule           = 'bin/CookieCutter.PowerShell.dll'
    ModuleVersion = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '6f3f8a0e-3c1d-4c3b-9a57-2b9e0d6c1f42'
    Author               = 'Cookie-Cutter contributors'
    Copyright            = '(c) Cookie-Cutter contributors. All rights reserved.'
    Description          = 'Builds and runs isolated application environments on Linux with overlayfs layers, namespaces and systemd-nspawn, without a daemon.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @()
    CmdletsToExport      = @(
        'Initialize-CcHost'
        'New-CcBaseImage'
        'Invoke-CcRun'
        'Invoke-CcExec'
        'Get-CcImage'
        'Get-CcContainer'
        'Stop-CcContainer'
        'Remove-CcContainer'
        'Mount-CcContainer'
        'Dismount-CcContainer'
        'Get-CcDiskUsage'
        'Repair-CcStore'
    )
    AliasesToExport      = @(
        'cc-setup'
        'cc-build-ubuntu-image'
        'cc-run'
        'cc-exec'
        'cc-stop'
        'cc-remove'
        'cc-mount'
        'cc-umount'
        'cc-df'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Linux', 'Containers', 'Overlayfs', 'Namespaces', 'systemd-nspawn')
            ProjectUri = ''
        }
    }
}
