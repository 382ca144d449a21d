# Installs certdoctor's native-messaging host for Firefox on Windows, for this user (HKCU) or for the machine
# (HKLM, run as administrator); -Uninstall takes it away, -Check says whether Firefox will find it.
#
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Scope User|Machine] [-HostPath C:\...\certdoctor-host.exe]
#                                                        [-Uninstall] [-Check]
#
# The manifest is written next to the host as certdoctor.json (certdoctor.exe host-manifest writes its content);
# the registry key Software\Mozilla\NativeMessagingHosts\certdoctor names it. Running it twice changes nothing.
# `certdoctor host-manifest --format windows-reg` prints the same key as a .reg file for other deployment tools.
# Not run in certdoctor's tests (no Windows there): the .reg text it mirrors is.
param(
  [ValidateSet('User', 'Machine')] [string] $Scope = 'User',
  [string] $HostPath = (Join-Path $PSScriptRoot 'certdoctor-host.exe'),
  [switch] $Uninstall,
  [switch] $Check
)
$ErrorActionPreference = 'Stop'
$hive = if ($Scope -eq 'Machine') { 'HKLM:' } else { 'HKCU:' }
$key = "$hive\Software\Mozilla\NativeMessagingHosts\certdoctor"
$manifest = Join-Path (Split-Path -Parent $HostPath) 'certdoctor.json'

if ($Check) {
  foreach ($h in 'HKCU:', 'HKLM:') {
    $k = "$h\Software\Mozilla\NativeMessagingHosts\certdoctor"
    if (Test-Path $k) {
      $m = (Get-Item $k).GetValue('')
      $ok = $m -and (Test-Path $m)
      if ($ok) {
        $j = Get-Content -Raw $m | ConvertFrom-Json
        $ok = (Test-Path $j.path) -and ($j.allowed_extensions -contains 'certdoctor@certdoctor.dev')
      }
      Write-Output ("{0} {1} -> {2}" -f $(if ($ok) { 'ok  ' } else { 'FAIL' }), $k, $m)
      if ($ok) { exit 0 } else { exit 1 }
    }
  }
  Write-Output 'FAIL no registry key Software\Mozilla\NativeMessagingHosts\certdoctor (HKCU or HKLM)'
  exit 1
}

if ($Uninstall) {
  if (Test-Path $key) { Remove-Item -Path $key -Force; Write-Output "removed $key" }
  if (Test-Path $manifest) { Remove-Item -Path $manifest -Force; Write-Output "removed $manifest" }
  exit 0
}

# Never point Firefox at a host that is not there.
if (-not (Test-Path -PathType Leaf $HostPath)) { Write-Error "$HostPath is missing; nothing installed"; exit 1 }
$generator = Join-Path (Split-Path -Parent $HostPath) 'certdoctor.exe'
$content = & $generator host-manifest --host-path $HostPath
if ($LASTEXITCODE -ne 0) { Write-Error 'certdoctor.exe could not write the manifest'; exit 1 }
$text = ($content -join "`n") + "`n"
if (-not (Test-Path $manifest) -or (Get-Content -Raw $manifest) -ne $text) {
  [System.IO.File]::WriteAllText($manifest, $text)
  Write-Output "installed $manifest"
}
if (-not (Test-Path $key)) { New-Item -Path $key -Force | Out-Null }
Set-ItemProperty -Path $key -Name '(default)' -Value $manifest
Write-Output "registered $key -> $manifest"
