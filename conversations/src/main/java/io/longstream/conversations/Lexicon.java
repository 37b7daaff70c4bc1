package io.longstream.conversations;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The entities facts are made of. The pools are large (hundreds of names and cities, thousands of numbers) so a
 * model cannot learn the answers and must copy them from its context. No value holds {@code . , ; ! ?}: those end
 * a fact's statement.
 */
public enum Lexicon {
    NAME {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, NAME_STARTS) + pick(rng, NAME_ENDS);
        }
    },
    CITY {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, CITY_STARTS) + pick(rng, CITY_ENDS);
        }
    },
    NUMBER {
        @Override
        String draw(SplittableRandom rng) {
            return Integer.toString(rng.nextInt(10, 100_000));
        }
    },
    COLOUR {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, COLOURS);
        }
    },
    FOOD {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, FOODS);
        }
    },
    JOB {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, JOBS);
        }
    },
    ANIMAL {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, ANIMALS);
        }
    },
    CAR {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, COLOURS) + " " + pick(rng, CAR_MAKES);
        }
    },
    DATE {
        @Override
        String draw(SplittableRandom rng) {
            return (1 + rng.nextInt(28)) + " " + pick(rng, MONTHS);
        }
    },
    TIME {
        @Override
        String draw(SplittableRandom rng) {
            return (7 + rng.nextInt(12)) + ":" + pick(rng, List.of("00", "15", "30", "45"));
        }
    },
    INSTRUMENT {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, INSTRUMENTS);
        }
    },
    SPORT {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, SPORTS);
        }
    },
    PASSWORD {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, COLOURS) + pick(rng, INSTRUMENTS) + rng.nextInt(10, 100);
        }
    },
    ADDRESS {
        @Override
        String draw(SplittableRandom rng) {
            return (1 + rng.nextInt(199)) + " " + pick(rng, CITY_STARTS) + " " + pick(rng, STREET_KINDS);
        }
    },
    FLIGHT {
        @Override
        String draw(SplittableRandom rng) {
            return pick(rng, AIRLINES) + rng.nextInt(100, 10_000);
        }
    },
    TITLE {
        @Override
        String draw(SplittableRandom rng) {
            return "The " + pick(rng, TITLE_WORDS) + " of " + CITY.draw(rng);
        }
    };

    abstract String draw(SplittableRandom rng);

    static String pick(SplittableRandom rng, List<String> list) {
        return list.get(rng.nextInt(list.size()));
    }

    static final List<String> NAME_STARTS = List.of("Ka", "Lu", "Mi", "To", "Re", "Sa", "No", "Da", "El", "Vi", "Jo", "Ma",
            "Be", "Ri", "An", "Ol", "Fe", "Ha", "Is", "Ye", "Co", "Zi", "Pa", "Te");
    static final List<String> NAME_ENDS = List.of("ra", "na", "lo", "ven", "mir", "tha", "don", "lia", "ric", "sen", "ko",
            "bel", "rin", "dor", "ssa", "mon");
    static final List<String> CITY_STARTS = List.of("Ash", "Bright", "Cold", "Deep", "East", "Fair", "Glen", "High", "Iron",
            "Kings", "Lake", "Mill", "North", "Oak", "Pine", "Red", "Silver", "Stone", "West", "Wolf", "Elm", "Fox", "Gold",
            "Raven", "Sun");
    static final List<String> CITY_ENDS = List.of("ford", "water", "haven", "field", "port", "bridge", "wood", "brook",
            "stead", "ton", "vale", "moor", "mouth", "gate", "cliff", "holm", "bury", "wick", "dale", "crest");
    static final List<String> COLOURS = List.of("red", "blue", "green", "yellow", "purple", "orange", "teal", "crimson",
            "amber", "violet", "indigo", "silver", "golden", "maroon", "olive", "navy", "coral", "ivory", "scarlet",
            "turquoise", "lilac", "bronze", "emerald", "charcoal", "beige", "magenta", "cyan", "peach", "mint", "ruby");
    static final List<String> FOODS = List.of("lasagne", "sushi", "ramen", "paella", "tacos", "curry", "dumplings",
            "risotto", "falafel", "goulash", "pancakes", "burritos", "pho", "moussaka", "gnocchi", "ravioli", "kimchi",
            "pierogi", "couscous", "empanadas", "biryani", "tagine", "ceviche", "gumbo", "schnitzel", "waffles",
            "croissants", "hummus", "stew", "pizza", "noodles", "omelettes", "fondue", "bagels", "crepes", "chili");
    static final List<String> JOBS = List.of("nurse", "carpenter", "pilot", "librarian", "baker", "architect", "plumber",
            "teacher", "chemist", "gardener", "electrician", "translator", "journalist", "dentist", "accountant",
            "firefighter", "photographer", "tailor", "mechanic", "pharmacist", "surveyor", "florist", "optician",
            "veterinarian", "geologist", "butcher", "locksmith", "economist", "sculptor", "paramedic");
    static final List<String> ANIMALS = List.of("cat", "dog", "parrot", "rabbit", "hamster", "tortoise", "goldfish",
            "ferret", "canary", "lizard", "gecko", "hedgehog", "iguana", "chinchilla", "guinea pig", "snake", "owl",
            "falcon", "otter", "fox", "pony", "goat");
    static final List<String> CAR_MAKES = List.of("Tavona", "Korsa", "Veltra", "Miravo", "Dunex", "Altima", "Rivel",
            "Castor", "Pelion", "Zephra", "Orvia", "Kestan");
    static final List<String> MONTHS = List.of("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December");
    static final List<String> INSTRUMENTS = List.of("piano", "violin", "cello", "flute", "guitar", "trumpet", "drums",
            "clarinet", "harp", "saxophone", "banjo", "accordion", "oboe", "ukulele", "trombone", "bassoon");
    static final List<String> SPORTS = List.of("tennis", "football", "basketball", "volleyball", "badminton", "squash",
            "cricket", "rugby", "hockey", "golf", "handball", "baseball", "table tennis", "water polo", "lacrosse");
    static final List<String> STREET_KINDS = List.of("Road", "Street", "Lane", "Avenue", "Close", "Way", "Terrace");
    static final List<String> AIRLINES = List.of("LS", "KA", "VR", "NT", "QM", "BZ", "HX", "PO");
    static final List<String> TITLE_WORDS = List.of("Garden", "Winter", "Lighthouse", "Orchard", "Silence", "River",
            "Clockmaker", "Harbour", "Lantern", "Mountain", "Secret", "Tide", "Forest", "Stranger", "Bridge");
}
