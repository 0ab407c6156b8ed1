#!/usr/bin/env bash
# Rebuilds packaging/feed/Patched.DistributedLock.Postgres.1.3.3.nupkg from its nuspec (the .nupkg is committed;
# run this only if the nuspec changes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cat > "$tmp/pack.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
    <NuspecFile>$here/Patched.DistributedLock.Postgres/Patched.DistributedLock.Postgres.nuspec</NuspecFile>
    <NoWarn>NU5128;NU5100</NoWarn>
  </PropertyGroup>
</Project>
XML
dotnet pack "$tmp/pack.csproj" -o "$here/feed"
rm -rf "$tmp"
