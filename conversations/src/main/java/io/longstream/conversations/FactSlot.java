package io.longstream.conversations;

import java.util.List;

/**
 * One thing a user can tell about themselves: how it is stated ({@code {v}} stands for the value), how a later
 * statement replaces it (empty for what never changes), and how a question names it. Every statement ends with a
 * period right after the value, so a reader can take the value back out of the text.
 */
public record FactSlot(String id, Lexicon values, List<String> statements, List<String> updates, String phrase) {
    static final String VALUE = "{v}";

    public FactSlot {
        for (String s : statements) {
            check(s);
        }
        for (String s : updates) {
            check(s);
        }
    }

    private static void check(String template) {
        if (!template.endsWith(VALUE + ".") || template.indexOf(VALUE) != template.length() - VALUE.length() - 1) {
            throw new IllegalArgumentException("a statement ends with its one value and a period: " + template);
        }
    }

    public boolean updatable() {
        return !updates.isEmpty();
    }

    /** Every slot, in a fixed order. Each statement's text before the value is unique to its slot. */
    public static final List<FactSlot> ALL = List.of(
            new FactSlot("sister", Lexicon.NAME, List.of("My sister is called {v}.", "My sister's name is {v}."),
                    List.of(), "my sister's name"),
            new FactSlot("brother", Lexicon.NAME, List.of("My brother is called {v}.", "I have a brother named {v}."),
                    List.of(), "my brother's name"),
            new FactSlot("friend", Lexicon.NAME, List.of("My best friend is {v}.", "The person I trust most is my friend {v}."),
                    List.of("These days my best friend is {v}."), "my best friend's name"),
            new FactSlot("manager", Lexicon.NAME, List.of("My manager at work is {v}.", "I report to a manager called {v}."),
                    List.of("I have a new manager now, her name is {v}."), "my manager's name"),
            new FactSlot("petname", Lexicon.NAME, List.of("My pet is named {v}.", "We call our pet {v}."),
                    List.of(), "my pet's name"),
            new FactSlot("home", Lexicon.CITY, List.of("I live in {v}.", "My home is in the city of {v}."),
                    List.of("I have moved, I now live in {v}.", "We relocated and our new home is in {v}."), "the city I live in"),
            new FactSlot("hometown", Lexicon.CITY, List.of("I grew up in {v}.", "My childhood was spent in {v}."),
                    List.of(), "the town I grew up in"),
            new FactSlot("trip", Lexicon.CITY, List.of("Next month I am travelling to {v}.", "My next trip goes to {v}."),
                    List.of("Change of plans, my trip now goes to {v}."), "the destination of my next trip"),
            new FactSlot("locker", Lexicon.NUMBER, List.of("My locker number is {v}.", "At the gym I use locker {v}."),
                    List.of("They gave me a new locker, number {v}."), "my locker number"),
            new FactSlot("doorcode", Lexicon.NUMBER, List.of("The door code of my building is {v}.", "To get into my building you type {v}."),
                    List.of("The building changed its door code, it is now {v}."), "the door code of my building"),
            new FactSlot("bus", Lexicon.NUMBER, List.of("To get to work I take bus {v}.", "Every morning I ride bus number {v}."),
                    List.of("I switched to a different bus, number {v}."), "the bus I take to work"),
            new FactSlot("colour", Lexicon.COLOUR, List.of("My favourite colour is {v}.", "The colour I like best is {v}."),
                    List.of("I changed my mind, my favourite colour is now {v}."), "my favourite colour"),
            new FactSlot("food", Lexicon.FOOD, List.of("My favourite dish is {v}.", "Nothing beats a plate of {v}."),
                    List.of("Lately my favourite dish has become {v}."), "my favourite dish"),
            new FactSlot("job", Lexicon.JOB, List.of("My job title is {v}.", "At work my role is {v}."),
                    List.of("I changed careers, my job title is now {v}."), "my job"),
            new FactSlot("pet", Lexicon.ANIMAL, List.of("At home I keep a pet {v}.", "The animal I live with is my {v}."),
                    List.of(), "the kind of animal I keep"),
            new FactSlot("car", Lexicon.CAR, List.of("My car is the {v}.", "Each day I drive my {v}."),
                    List.of("I sold my old car and now drive my {v}."), "the car I drive"),
            new FactSlot("birthday", Lexicon.DATE, List.of("My birthday is on {v}.", "I was born on {v}."),
                    List.of(), "my birthday"),
            new FactSlot("dentist", Lexicon.DATE, List.of("My dentist appointment is on {v}.", "I see the dentist on {v}."),
                    List.of("The dentist moved my appointment to {v}."), "the date of my dentist appointment"),
            new FactSlot("meeting", Lexicon.TIME, List.of("My meeting with the bank is at {v}.", "The bank expects me at {v}."),
                    List.of("The bank moved our meeting to {v}."), "the time of my bank meeting"),
            new FactSlot("instrument", Lexicon.INSTRUMENT, List.of("I play the {v}.", "In the evenings I practise the {v}."),
                    List.of("I gave up my old instrument and started the {v}."), "the instrument I play"),
            new FactSlot("sport", Lexicon.SPORT, List.of("On weekends I play {v}.", "My weekend sport is {v}."),
                    List.of("I quit my old sport and took up {v}."), "the sport I play on weekends"),
            new FactSlot("wifi", Lexicon.PASSWORD, List.of("The wifi password is {v}.", "To join my wifi, use the password {v}."),
                    List.of("I changed the wifi password to {v}."), "the wifi password"),
            new FactSlot("address", Lexicon.ADDRESS, List.of("My address is {v}.", "Letters reach me at {v}."),
                    List.of("My new address is {v}."), "my address"),
            new FactSlot("flight", Lexicon.FLIGHT, List.of("My flight number is {v}.", "I am booked on flight {v}."),
                    List.of("The airline rebooked me on flight {v}."), "my flight number"),
            new FactSlot("book", Lexicon.TITLE, List.of("I am reading a book called {v}.", "The novel on my nightstand is {v}."),
                    List.of("I finished that book and started one called {v}."), "the book I am reading"));
}
