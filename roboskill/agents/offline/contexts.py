"""Scene-setting clauses for proposal descriptions ("aboard the night ferry, open the top drawer").

Why: a curriculum of 100 table-top tasks over a couple of dozen object families reads as near copies
("pick up the ...", "push the ...") — the diversity bench (issue 9) measures exactly that with
Self-BLEU and MiniLM similarity. Each clause names a different everyday place, is neutral to the verb
and object, and never changes the task's meaning: the parser, scene designer and reward writer ignore
it (they read the canonical snake_case name first). The proposer picks a clause whose words do not
occur in the learned skills' descriptions, so a curriculum rarely repeats one.
"""

from __future__ import annotations

CONTEXTS: tuple[str, ...] = (
    "aboard the night ferry", "in the lighthouse keeper's cottage", "inside the observatory dome",
    "at the vineyard tasting room", "in a cramped submarine galley", "on the space station's cargo deck",
    "backstage at the opera house", "in the bookbinder's workshop", "at the beekeeper's shed",
    "in the glassblowing studio", "at the veterinary clinic", "in the tailor's atelier",
    "at the bowling alley snack counter", "in the hospital pharmacy", "at the radio mast hut",
    "in a fishing trawler's cabin", "under the circus big top", "in the museum's restoration vault",
    "aboard the dining car of an express train", "at the frozen ice rink", "inside the planetarium control booth",
    "at the barber shop counter", "in a smoky jazz club", "at the coin laundromat", "in the quiet tea house",
    "in the mountain ski lodge", "at the bicycle repair stall", "in the modern art gallery",
    "at the public aquarium", "in the flower market stall", "in the recording studio booth",
    "at the fire station kitchen", "in the dentist's back office", "at the pottery wheel corner",
    "in the chemistry teaching lab", "in the farmhouse pantry", "at the ramen shop", "in the university dorm",
    "at the airport lounge", "in the greenhouse nursery", "at a roadside diner", "in the castle armoury",
    "at the cinema projection room", "in the antique clock shop", "at the harbour master's office",
    "in the mountaineering hut", "at the watchmaker's bench", "in a desert research tent",
    "at the polar weather station", "in the wax chandlery", "at the hat boutique",
    "in the piano tuner's workshop", "at the puppet theatre", "in the dairy ripening cellar", "at the olive mill",
    "in the monastery scriptorium", "at the bakery counter before sunrise", "in the train signal cabin",
    "at the skate park kiosk", "in the zoo keeper's hut", "at the chocolate factory",
    "in the perfume laboratory", "at the toy hospital", "in a rooftop garden", "at the cricket pavilion",
    "in the old lighthouse lantern room", "at the post office sorting desk", "in the newspaper print room",
    "at the spice bazaar", "in a houseboat kitchen", "at the motel reception", "in the backstage dressing room",
    "at the sushi counter", "in the woodland cabin", "at the science fair booth", "in the robotics club garage",
    "at the orchard packing shed", "in the tattoo parlour", "at the yoga retreat", "in a caravan kitchenette",
    "at the brewery taproom", "in the embassy mailroom", "at the ski rental desk", "in the carpentry classroom",
    "at the surf shop", "in the nursing home lounge", "at the pet grooming salon", "in the record store",
    "at the pharmacy drive-through", "in a Tokyo capsule hotel", "at the Antarctic base canteen",
    "in the Victorian parlour", "at the medieval fair", "in the mission control room", "at the hotel minibar",
    "in the violin maker's loft", "at the gelato stand", "in the cathedral sacristy", "at the tram depot",
    "in the botanical herbarium", "at the jewellery repair desk", "in the karaoke lounge", "at the camping stove",
    "in the bike courier's depot", "at the bonsai nursery", "in the aviation hangar", "at the fossil dig tent",
    "in the silk weaving mill", "at the noodle cart", "in the fencing club", "at the rowing boathouse",
    "in the lantern festival booth", "at the ceramic kiln room", "in the mapmaker's study", "at the organ loft",
    "in the hydroponics bay", "at the taxidermy studio", "in the rooftop observatory", "at the street food market",
)
