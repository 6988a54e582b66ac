@{
    RootModule           = 'bin/CookieCutter.PowerShell.dll'
    ModuleVersion = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '6f3f8a0e-3c1d-4c3b-9a57-2b9e0d6c1f42'
    Author               = 'Cookie-Cutter contributors'
    Copyright            = '(c) Cookie-Cutter contributors. All rights reserved.'
    Description          = 'Builds and runs isolated application environments on Linux with overlayfs layers, namespaces and systemd-nspawn, without a daemon.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('CookieCutter.Format.ps1xml')
    CmdletsToExport      = @(
        'Initialize-CcHost'
        'New-CcBaseImage'
        'New-CcImage'
        'Test-CcBuildSpec'
        'Invoke-CcRun'
        'Invoke-CcExec'
        'Start-CcBoot'
        'Get-CcImage'
        'Get-CcContainer'
        'Stop-CcContainer'
        'Remove-CcContainer'
        'Save-CcContainer'
        'Remove-CcImage'
        'Clear-CcImage'
        'Mount-CcContainer'
        'Dismount-CcContainer'
        'Get-CcDiskUsage'
        'Repair-CcStore'
    )
    AliasesToExport      = @(
        'cc-setup'
        'cc-build-ubuntu-image'
        'cc-build'
        'cc-run'
        'cc-exec'
        'cc-boot'
        'cc-stop'
        'cc-remove'
        'cc-save'
        'cc-gc'
        'cc-df'
        'cc-mount'
        'cc-umount'
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
