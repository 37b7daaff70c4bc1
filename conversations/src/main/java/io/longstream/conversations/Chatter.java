package io.longstream.conversations;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The talk around the facts: topics that come and go, each with what a user says, what an assistant answers and
 * what a shared document holds. It names people, cities, numbers and dishes of its own, so that a model must tell
 * which name is the sister's; none of it states a fact (no sentence holds a {@link FactSlot} statement).
 */
final class Chatter {
    /** One topic of conversation. */
    record Topic(String name, List<String> user, List<String> assistant, List<String> document) {
    }

    private static final Pattern HOLE = Pattern.compile("\\{(\\w+)}");

    private static final Map<String, Lexicon> HOLES = Map.of("name", Lexicon.NAME, "city", Lexicon.CITY,
            "number", Lexicon.NUMBER, "colour", Lexicon.COLOUR, "food", Lexicon.FOOD, "job", Lexicon.JOB,
            "animal", Lexicon.ANIMAL, "date", Lexicon.DATE, "sport", Lexicon.SPORT, "instrument", Lexicon.INSTRUMENT);

    static final List<Topic> TOPICS = List.of(
            new Topic("cooking",
                    List.of("I tried a new recipe for {food} yesterday.", "The market in {city} sells the best spices.",
                            "My neighbour {name} gave me a jar of {colour} pepper sauce.",
                            "Do you think {food} needs more salt or more garlic?",
                            "I burned the onions again, the kitchen smelled for hours.",
                            "We are hosting {number} guests for dinner on Friday."),
                    List.of("That sounds delicious.", "A pinch of salt at the end usually helps.",
                            "Slow cooking brings out the flavour of {food}.", "Did the guests enjoy it?",
                            "Fresh herbs make a big difference."),
                    List.of("Recipe card: {food} for four people.", "Soak the beans overnight and drain them in the morning.",
                            "Heat the pan until a drop of water dances on it.", "Serve with {food} and a {colour} salad.",
                            "The original recipe came from a small inn near {city}.", "Bake for {number} seconds less than you think.")),
            new Topic("travel",
                    List.of("A colleague called {name} keeps telling me about {city}.", "The train to {city} was late by {number} minutes.",
                            "I found an old map of {city} in the attic.", "Do you prefer the mountains or the sea?",
                            "Hotels near {city} are expensive in {date}.", "I packed far too many shoes last time."),
                    List.of("Travelling off season is often cheaper.", "{city} has a lovely old harbour, I hear.",
                            "Did you book the tickets already?", "A window seat makes long journeys easier.",
                            "Remember to check the opening hours of the museums."),
                    List.of("Travel guide, chapter {number}.", "The old town of {city} is best explored on foot.",
                            "Buses leave from the main square every {number} minutes.", "Local specialities include {food}.",
                            "The ferry to {city} runs twice a day in summer.", "Museums close early on Mondays.")),
            new Topic("work",
                    List.of("The quarterly report is due next week.", "A new colleague, {name}, joined our team as a {job}.",
                            "We spent the whole morning in meetings again.", "The printer on floor {number} is broken.",
                            "Our office in {city} is closing for renovations.", "I finally cleared my inbox today."),
                    List.of("That sounds like a busy week.", "Short breaks help you stay focused.",
                            "Maybe write the agenda down before the next meeting.", "How is the new colleague settling in?",
                            "Deadlines always come sooner than expected."),
                    List.of("Memo to all staff.", "The cafeteria will serve {food} on Thursday.",
                            "Parking spaces {number} to {number} are reserved for visitors.",
                            "Please send travel expenses to the office in {city}.", "The fire drill is scheduled for {date}.",
                            "Questions about payroll go to {name} in accounts.")),
            new Topic("garden",
                    List.of("The tomatoes are finally turning red.", "Slugs ate half of my lettuce.",
                            "My neighbour {name} lent me a ladder to cut the hedge.", "I planted {number} tulip bulbs in autumn.",
                            "The {colour} roses by the fence smell wonderful.", "It rained so much the lawn is a swamp."),
                    List.of("Crushed eggshells keep slugs away, some say.", "Roses love a sunny spot.",
                            "Watering in the early morning is best.", "Your garden sounds lovely.",
                            "Mulch helps the soil hold water."),
                    List.of("Garden club newsletter.", "The spring plant sale takes place on {date}.",
                            "Members from {city} won the prize for the best {colour} dahlias.",
                            "Prune fruit trees while they are dormant.", "Compost needs air, water and patience.",
                            "This month's talk is given by {name}, a {job}.")),
            new Topic("music",
                    List.of("I went to a concert in {city} last night.", "The band played for {number} minutes without a break.",
                            "A street musician was playing the {instrument} outside the station.",
                            "My cousin {name} wants to start a band.", "I cannot get that song out of my head.",
                            "Tickets for the festival sold out in an hour."),
                    List.of("Live music has a special energy.", "Which song did they open with?",
                            "The {instrument} is hard to learn but rewarding.", "Festivals are fun but tiring.",
                            "Music is a great way to relax."),
                    List.of("Concert programme.", "The orchestra of {city} performs on {date}.",
                            "The soloist, {name}, studied the {instrument} for {number} years.",
                            "Doors open one hour before the performance.", "Please silence your phones.",
                            "The second half features music from {city}.")),
            new Topic("sports",
                    List.of("Our team lost by {number} points on Sunday.", "The stadium in {city} was packed.",
                            "A friend of a friend, {name}, coaches {sport} at the school.",
                            "I pulled a muscle while stretching.", "Did you see the final last night?",
                            "The gym was crowded this morning."),
                    List.of("Warming up properly prevents injuries.", "That must have been a close game.",
                            "Rest days matter as much as training.", "{sport} is fun to watch.",
                            "A good coach makes all the difference."),
                    List.of("League table after round {number}.", "The match against {city} is postponed to {date}.",
                            "Training sessions start at the sports hall.", "New members can try {sport} for free.",
                            "The club thanks {name} for years of service.", "Bring water and a towel.")),
            new Topic("weather",
                    List.of("It has been raining for {number} days.", "The forecast says snow in {city}.",
                            "I got caught in a storm on the way home.", "The sky was a strange {colour} colour at sunset.",
                            "It is far too hot to sleep.", "The wind knocked over the bins again."),
                    List.of("Stay dry out there.", "A warm drink helps on days like this.",
                            "The forecast is rarely right this far ahead.", "Sunsets after a storm are often beautiful.",
                            "Hopefully it clears up by the weekend."),
                    List.of("Weather bulletin.", "Heavy rain is expected over {city} from {date}.",
                            "Winds may reach {number} kilometres per hour on the coast.", "Temperatures stay mild for the season.",
                            "Drivers should expect fog in the valleys.", "The next bulletin follows at noon.")),
            new Topic("home",
                    List.of("The kitchen tap has been dripping all week.", "I painted the hallway {colour}.",
                            "A plumber called {name} is coming on {date}.", "We finally assembled the new bookshelf.",
                            "The heating bill was {number} more than last year.", "The cat next door sleeps on our porch."),
                    List.of("A new washer usually fixes a dripping tap.", "Fresh paint really changes a room.",
                            "Flat-pack furniture always takes longer than promised.", "Did the plumber fix it?",
                            "Good insulation saves a lot of heating."),
                    List.of("Tenant newsletter.", "The lift will be serviced on {date}.",
                            "Bins are collected every {number} days.", "Residents from the {city} block meet on Tuesday.",
                            "Please report leaks to {name} at the front desk.", "Bicycles belong in the courtyard."))
    );

    private Chatter() {
    }

    /** A template with its holes filled by fresh draws. */
    static String fill(String template, SplittableRandom rng) {
        Matcher m = HOLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Lexicon pool = HOLES.get(m.group(1));
            if (pool == null) {
                throw new IllegalStateException("unknown hole {" + m.group(1) + "} in " + template);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(pool.draw(rng)));
        }
        m.appendTail(out);
        String text = out.toString();
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
