package io.longstream.inference.epicache;

import io.longstream.inference.Model;
import io.longstream.inference.epicache.profile.LayerProfiles;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Layer profiles (epicache's s_l) once per JVM and model: read from the profile cache, or measured into it by the
 * first session that needs one, and shared by every operator instance in the TaskManager.
 */
public final class SharedProfiles {
    private static final ConcurrentHashMap<String, double[]> PROFILES = new ConcurrentHashMap<>();

    private SharedProfiles() {
    }

    public static double[] of(Model model) {
        return PROFILES.computeIfAbsent(model.dir().toAbsolutePath().normalize().toString(), k -> new LayerProfiles().profile(model)).clone();
    }
}
