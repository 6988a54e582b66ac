#Requires -Version 7.4
# Behaviour of Invoke-CcExec (cc-exec) in running and stopped containers.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestSupport.psm1') -Force
    $script:Image = Initialize-CcTestStore

    function Start-CcTestContainer {
        param([string] $Name)
        $job = Start-ThreadJob {
            param($n, $i, $m)
            Import-Module $m
            Invoke-CcRun -Name $n $i -- sh -c 'echo running > /state; exec sleep 60'
        } -ArgumentList $Name, $Image, (Get-CcTestModulePath)
        Wait-CcTestContainer -Name $Name | Out-Null
        return $job
    }
}

Describe 'Invoke-CcExec' -Tag 'Root' {
    AfterEach {
        Get-CcTestMounts | Should -BeNullOrEmpty
    }

    It 'runs inside the namespaces of a running container' {
        $name = New-CcTestName
        $job = Start-CcTestContainer -Name $name
        try {
            Invoke-CcExec $name cat /state | Should -Be 'running'
            Invoke-CcExec $name hostname | Should -Be $name
            $processes = Invoke-CcExec $name ps -A -o comm=
            $processes | Should -Contain 'sleep'
            $processes | Should -Contain 'ps'
            @($processes).Count | Should -Be 2
        }
        finally {
            Stop-CcContainer -Name $name -Timeout 1
            $job | Wait-Job -Timeout 30 | Remove-Job -Force
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }

    It 'mounts, enters and unmounts a stopped container' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image -- sh -c 'echo kept > /kept'
        try {
            cc-exec $name cat /kept | Should -Be 'kept'
            (Get-CcContainer -Name $name).IsMounted | Should -BeFalse
        }
        finally {
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }

    It 'reports the exit code and ContainerCommandFailed' {
        $name = New-CcTestName
        Invoke-CcRun -Name $name $Image true
        try {
            Invoke-CcExec -ErrorAction SilentlyContinue -ErrorVariable failure $name -- sh -c 'exit 4'
            $LASTEXITCODE | Should -Be 4
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'ContainerCommandFailed,*'
        }
        finally {
            Remove-CcContainer -Name $name -Confirm:$false
        }
    }

    It 'gives ContainerNotFound for a missing container' {
        { Invoke-CcExec -ErrorAction Stop (New-CcTestName) true } | Should -Throw -ErrorId 'ContainerNotFound,*'
    }
}
