package io.longstream.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PeerJdkTest {
    @Test
    void readsTheMajorVersionFromAReleaseFile() {
        assertEquals(Optional.of(25), PeerJdk.parseMajor("IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"25.0.1\"\n"));
        assertEquals(Optional.of(21), PeerJdk.parseMajor("JAVA_VERSION=\"21\"\n"));
        assertEquals(Optional.of(17), PeerJdk.parseMajor("JAVA_VERSION=\"17.0.13\"\n"));
        assertEquals(Optional.of(8), PeerJdk.parseMajor("JAVA_VERSION=\"1.8.0_392\"\n"));
        assertEquals(Optional.empty(), PeerJdk.parseMajor("JAVA_RUNTIME_VERSION=\"25.0.1+8\"\n"));
    }
}
