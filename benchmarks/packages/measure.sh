#!/usr/bin/env bash
# What a user pulls in: packs CamSdk's packages from this checkout into a local feed, then, for each set of packages
# given (default: CamSdk alone), makes a fresh console app outside the repository that references them with
# TorchSharp-cpu, restores it, counts the NuGet packages it resolves, and publishes it for linux-x64 (framework-dependent).
#   benchmarks/packages/measure.sh                       # CamSdk + TorchSharp-cpu
#   benchmarks/packages/measure.sh none CamSdk CamSdk,CamSdk.Imaging,CamSdk.Evaluation   (none: TorchSharp-cpu alone)
# Prints one line per set: the packages, the resolved package count, the publish size and that without libtorch's natives.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.1.0-measure.$(date +%s)"
export NUGET_PACKAGES="$work/packages"  # a clean cache: nothing of another version is picked up
sets=("${@:-CamSdk}")
mkdir -p "$work/feed"
for project in "$repo"/src/CamSdk*/CamSdk*.csproj; do
  if grep -q "<IsPackable>true</IsPackable>" "$project"; then
    dotnet pack "$project" -c Release -o "$work/feed" -p:Version="$version" -v q -nologo > /dev/null
  fi
done
for set in "${sets[@]}"; do
  app="$work/app-${set//,/-}"
  mkdir -p "$app"
  refs=""
  for package in ${set//,/ }; do [ "$package" = none ] || refs+="<PackageReference Include=\"$package\" Version=\"$version\" />"; done
  cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$work/feed" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources></configuration>
XML
  cat > "$app/App.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><RuntimeIdentifier>linux-x64</RuntimeIdentifier><SelfContained>false</SelfContained></PropertyGroup>
  <ItemGroup>$refs<PackageReference Include="TorchSharp-cpu" Version="0.107.0" /></ItemGroup>
</Project>
XML
  echo 'System.Console.WriteLine("ok");' > "$app/Program.cs"
  echo "<Project />" > "$app/Directory.Build.props"; echo "<Project />" > "$app/Directory.Build.targets"
  dotnet publish "$app/App.csproj" -c Release -o "$app/out" -v q -nologo > /dev/null
  count=$(python3 -c "import json,sys; d=json.load(open('$app/obj/project.assets.json')); print(sum(1 for v in d['libraries'].values() if v['type']=='package'))")
  total=$(du -sb "$app/out" | cut -f1)
  torch=$(find "$app/out" -maxdepth 1 \( -name 'libtorch*' -o -name 'libc10*' -o -name 'libgomp*' -o -name 'libLibTorchSharp*' -o -name 'libshm*' -o -name 'libbackend_with_compiler*' -o -name 'libjitbackend_test*' -o -name 'libnnapi_backend*' -o -name 'libaoti_custom_ops*' -o -name 'libtorchbind_test*' \) -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
  printf '%s: %s packages, publish %.1f MB (%.1f MB without libtorch)\n' "$set + TorchSharp-cpu" "$count" "$(echo "$total/1000000" | bc -l)" "$(echo "($total-$torch)/1000000" | bc -l)"
done
