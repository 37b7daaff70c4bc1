package io.longstream.jobs.io;

import io.longstream.schemas.SessionEvent;

/** An event read from a JSON-lines stream, with the line it came from (errors name it). */
public final class EventLine {
    public final int number;
    public final SessionEvent event;

    EventLine(int number, SessionEvent event) {
        this.number = number;
        this.event = event;
    }
}
