package io.longstream.jobs.pipeline;

import io.longstream.jobs.config.Settings;
import java.io.Serializable;
import java.util.List;

/** The four topics of the pipeline; the defaults are the names the architecture gives. */
public final class Topics implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String events;
    public final String answers;
    public final String memory;
    public final String rejects;

    public Topics(String events, String answers, String memory, String rejects) {
        this.events = events;
        this.answers = answers;
        this.memory = memory;
        this.rejects = rejects;
    }

    public static Topics defaults() {
        return withPrefix(Settings.TOPIC_PREFIX.defaultValue());
    }

    /** PREFIX.events, PREFIX.answers, PREFIX.memory, PREFIX.rejects. */
    public static Topics withPrefix(String prefix) {
        if (prefix.isBlank()) {
            throw new IllegalArgumentException("topic prefix is empty");
        }
        return new Topics(prefix + ".events", prefix + ".answers", prefix + ".memory", prefix + ".rejects");
    }

    public List<String> outputs() {
        return List.of(answers, memory, rejects);
    }

    /** A topic by its short name (events, answers, memory, rejects) or its full name. */
    public String resolve(String name) {
        switch (name) {
            case "events":
                return events;
            case "answers":
                return answers;
            case "memory":
                return memory;
            case "rejects":
                return rejects;
            default:
                return name;
        }
    }
}
