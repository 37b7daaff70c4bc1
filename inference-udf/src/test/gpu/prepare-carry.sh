#!/usr/bin/env bash
# Packs what the GPU run (run.sh) needs into one folder, to carry to a GPU machine that has no Java and no Maven:
# a small Java runtime (jlink), inference-udf's jars (main and tests, the reference models inside) and the
# dependencies the GPU tests load, the JUnit console launcher, and the CLI's own jar with picocli and the conversation
# generator, for `bench recall` (no Flink or Kafka: it needs neither). Left out, so that the folder and the repository
# together stay under the device's 64 MiB: epicache's segment encoder (ONNX Runtime, its model, langchain4j, JNA), so
# epicache does not run there; the JUnit jars the launcher bundles; native libraries for other platforms. The runtime
# (java.desktop included, for the chat template's Jinja) is packed with xz (about 15 MB).
# Usage: inference-udf/src/test/gpu/prepare-carry.sh [OUT]   (default: .device-carry/gpu, which git ignores)
# Then, on the GPU machine: bash OUT/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
out="$(mkdir -p "${1:-$root/.device-carry/gpu}" && cd "${1:-$root/.device-carry/gpu}" && pwd)"
cd "$root"
console=junit-platform-console-standalone
console_version=1.14.4
# each module writes its own classpath (a relative file is the module's); inference-udf's is the one carried
./mvnw -B -q -ntp -pl inference-udf,jobs -am -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/carry-classpath.txt -Dmdep.includeScope=test
classpath=inference-udf/target/carry-classpath.txt
rm -rf "$out"/lib "$out"/jre.* "$out"/*.jar
mkdir -p "$out/lib"
cp inference-udf/target/inference-udf-*.jar "$out/lib/"
cp jobs/target/jobs-*-SNAPSHOT.jar conversations/target/conversations-*-SNAPSHOT.jar "$out/lib/"
rm -f "$out"/lib/jobs-*-job.jar
# the test models travel with the repository too: run.sh puts inference-udf/src/test/resources on the class path
zip -q -d "$out"/lib/inference-udf-*-tests.jar 'models/*'
# the demo model travels with the repository (models/longstream-demo), not a second time in the jar
zip -q -d "$out"/lib/jobs-*-SNAPSHOT.jar 'io/longstream/jobs/demo/model/*'
for jar in $(tr ':' '\n' < "$classpath"); do
    case "$(basename "$jar")" in
        onnxruntime-*|langchain4j-*|jna-*|junit-*|opentest4j-*|apiguardian-*) ;;
        *) cp "$jar" "$out/lib/" ;;
    esac
done
./mvnw -B -q -ntp dependency:copy -Dartifact="info.picocli:picocli:$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' pom.xml)" \
    -DoutputDirectory="$out/lib"
# state's classes come from the reactor build, like inference-udf's
cp state/target/state-*.jar "$out/lib/" 2>/dev/null || true
zip -q -d "$out"/lib/tokenizers-*.jar 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*'
zip -q -d "$out"/lib/jcuda-natives-*.jar 'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*' 'lib/libJCudaRuntime*' \
    'lib/libJCublas*' 'lib/libJCufft*' 'lib/libJCurand*' 'lib/libJCusparse*' 'lib/libJCusolver*' 'lib/libJNvjpeg*' || true
./mvnw -B -q -ntp dependency:copy -Dartifact="org.junit.platform:$console:$console_version" -DoutputDirectory="$out"
jre="$(mktemp -d)"
# uncompressed modules, so xz finds the redundancy (jlink's own compression leaves a larger tarball)
jlink --add-modules java.base,java.desktop,java.logging,java.sql,java.xml,jdk.unsupported,jdk.incubator.vector,jdk.zipfs \
      --compress=0 --no-header-files --no-man-pages --strip-debug --output "$jre/jre" 2>/dev/null
tar cJf "$out/jre.txz" -C "$jre" jre
rm -rf "$jre"
cp inference-udf/src/test/gpu/run.sh "$out/run.sh"
du -sh "$out"
