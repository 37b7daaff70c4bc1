#!/usr/bin/env bash
# Packs what the GPU run (run.sh) needs into one folder, to carry to a GPU machine that has no Java and no Maven:
# a small Java runtime (jlink), inference-udf's jars (main and tests, the reference models inside) and the
# dependencies the GPU tests load, and the JUnit console launcher. Left out, so that the folder and the repository
# together stay under the device's 64 MiB: epicache's segment encoder (ONNX Runtime, its model, langchain4j, JNA) and
# java.desktop (the chat template's Jinja), which the GPU tests do not load; the JUnit jars the launcher bundles; native
# libraries for other platforms. The runtime is packed with xz (about 13 MB).
# Usage: inference-udf/src/test/gpu/prepare-carry.sh [OUT]   (default: .device-carry/gpu, which git ignores)
# Then, on the GPU machine: bash OUT/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
out="$(mkdir -p "${1:-$root/.device-carry/gpu}" && cd "${1:-$root/.device-carry/gpu}" && pwd)"
cd "$root"
console=junit-platform-console-standalone
console_version=1.14.4
classpath="$(mktemp)"
./mvnw -B -q -ntp -pl inference-udf -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile="$classpath" -Dmdep.includeScope=test
rm -rf "$out"/lib "$out"/jre.* "$out"/*.jar
mkdir -p "$out/lib"
cp inference-udf/target/inference-udf-*.jar "$out/lib/"
for jar in $(tr ':' '\n' < "$classpath"); do
    case "$(basename "$jar")" in
        onnxruntime-*|langchain4j-*|jna-*|junit-*|opentest4j-*|apiguardian-*) ;;
        *) cp "$jar" "$out/lib/" ;;
    esac
done
rm -f "$classpath"
# state's classes come from the reactor build, like inference-udf's
cp state/target/state-*.jar "$out/lib/" 2>/dev/null || true
zip -q -d "$out"/lib/tokenizers-*.jar 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*'
zip -q -d "$out"/lib/jcuda-natives-*.jar 'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*' 'lib/libJCudaRuntime*' \
    'lib/libJCublas*' 'lib/libJCufft*' 'lib/libJCurand*' 'lib/libJCusparse*' 'lib/libJCusolver*' 'lib/libJNvjpeg*' || true
./mvnw -B -q -ntp dependency:copy -Dartifact="org.junit.platform:$console:$console_version" -DoutputDirectory="$out"
jre="$(mktemp -d)"
# uncompressed modules, so xz finds the redundancy (jlink's own compression leaves a larger tarball)
jlink --add-modules java.base,java.logging,java.sql,java.xml,jdk.unsupported,jdk.incubator.vector,jdk.zipfs \
      --compress=0 --no-header-files --no-man-pages --strip-debug --output "$jre/jre" 2>/dev/null
tar cJf "$out/jre.txz" -C "$jre" jre
rm -rf "$jre"
cp inference-udf/src/test/gpu/run.sh "$out/run.sh"
du -sh "$out"
