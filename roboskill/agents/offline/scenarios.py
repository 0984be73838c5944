"""Where a task happens and why: domain-tied places and situations for proposal descriptions.

Why: the diversity bench (issue 9) embeds 100 descriptions with MiniLM; short imperatives over a
handful of toy objects cluster however they are worded, while RoboGen's tasks each read like a
small, distinct situation. Every object type has a `domain` (vocab.py); its tasks are set in one of
that domain's places ("at the hospital pharmacy counter") and, often, one of its situations ("before
the evening round of medicines"). Both stay true to the object and never change the task: they
contain no object noun, verb, colour, size, direction or amount the parser reads (see
tests/agents_offline/test_vocab.py), so the scene designer and reward writer ignore them.

Articulated kinds have one noun per setting ("the wardrobe door", "the medicine cabinet door"):
`NOUN_DOMAINS` ties those nouns to their domain, so the noun and the situation agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    places: tuple[str, ...]
    situations: tuple[str, ...]


DOMAINS: dict[str, Domain] = {
    "kitchen": Domain(
        ("in the farmhouse kitchen", "at the restaurant pass", "in the galley of a narrowboat", "in the student flat kitchen",
         "at the hotel breakfast buffet", "in the pantry of a country inn", "at the food truck counter",
         "in the canteen of the fire station"),
        ("before the dinner guests arrive", "while the soup simmers", "as the chef garnishes the starters",
         "during the breakfast rush", "once the dishwasher has finished", "in time for the Sunday roast",
         "while the kettle boils for tea", "so the cook finds everything for the recipe", "after the picnic lunch",
         "as the waiters prepare the lunch service", "while the risotto needs stirring")),
    "bakery": Domain(
        ("at the bakery counter", "in the patisserie", "at the village fete cake stall", "in the bread shop"),
        ("before the shop unlocks at dawn", "while the dough proves", "as the croissants come out of the oven",
         "for the afternoon tea", "in time for the school bake sale", "while the baker dusts flour over the bench")),
    "office": Domain(
        ("at the reception desk", "in the busy insurance office", "at the home office desk", "in the accountant's study",
         "at the co-working space", "in the newsroom", "in the lawyer's chambers", "at the school secretary's desk"),
        ("before the morning meeting", "while the printer warms up", "during the quarterly audit",
         "as the deadline approaches", "so the desk is tidy for the visitor", "after the late shift",
         "while the intern sorts the post", "in time for the client's video call", "during the fire drill")),
    "library": Domain(
        ("in the reading room", "at the antiquarian bookshop", "in the school library", "at the archive counter",
         "in the museum study room"),
        ("before the library locks up for the night", "while the students revise for exams", "during the storytelling hour",
         "as the archivist catalogues new arrivals", "for the visiting scholar")),
    "living_room": Domain(
        ("in the living room", "in the cosy cottage lounge", "in the holiday apartment", "at the grandparents' house",
         "in the hallway of the family home", "in the sitting room of a guesthouse"),
        ("before the film night", "as the power cut begins", "while the family watches the match",
         "during the birthday party", "after the guests leave", "so the babysitter finds everything",
         "in time for the house viewing", "during a rainy weekend")),
    "lab": Domain(
        ("in the chemistry lab", "at the biology bench", "in the hospital pathology lab", "in the clean room",
         "at the university research lab", "in the forensic lab", "at the school science department"),
        ("before the experiment starts", "while the centrifuge spins down", "during the titration practical",
         "as the lab technician logs the samples", "for the microscopy session", "after the safety inspection",
         "while the fume hood runs", "in time for the thesis defence")),
    "pharmacy": Domain(
        ("at the hospital pharmacy counter", "in the chemist's shop", "in the care home medicine room",
         "at the vet's dispensary"),
        ("before the evening round of medicines", "while the pharmacist checks the prescription",
         "as the patient waits at the counter", "during the stock check")),
    "workshop": Domain(
        ("in the garage workshop", "at the carpenter's bench", "in the bicycle repair shop", "in the boatyard shed",
         "at the maker space", "in the car mechanic's bay", "in the railway signal cabin", "at the factory assembly cell"),
        ("before the varnish dries", "while the glue sets", "during the apprentice's trial week",
         "as the mechanic finishes the service", "so the workbench is clear for welding", "after the shift ends",
         "while the lathe cools down", "in time for the safety audit", "during the night shift")),
    "bathroom": Domain(
        ("in the bathroom", "in the hotel en-suite", "in the gym changing room", "at the spa", "in the guest washroom"),
        ("before the morning shower", "while the bath fills", "after the children's bath time",
         "as the cleaner freshens the room", "for the overnight guests")),
    "garden": Domain(
        ("in the greenhouse", "in the allotment shed", "on the patio", "at the garden centre", "in the botanical garden",
         "at the potting bench"),
        ("before the frost", "while the sprinklers run", "during the spring planting",
         "as the gardener repots the seedlings", "after the autumn harvest", "in time for the flower show")),
    "games": Domain(
        ("at the board-game cafe", "in the chess club", "at the casino", "at the family games night",
         "in the puzzle club", "at the quiz night"),
        ("before the tournament round", "while the players take a break", "during the championship final",
         "as the dealer shuffles", "after the last game", "so the next match begins on time")),
    "sport": Domain(
        ("in the sports hall", "at the tennis club", "on the golf driving range", "in the school gym",
         "at the ice rink", "at the table tennis club", "in the leisure centre"),
        ("before the match", "during the warm-up", "while the coach explains the drill", "after training",
         "as the referee checks the equipment", "in time for the league final")),
    "sewing": Domain(
        ("in the tailor's atelier", "at the sewing machine", "in the costume department", "at the quilting circle"),
        ("before the fitting", "while the hem is pinned", "during the dress rehearsal", "as the seamstress threads the needle")),
    "music": Domain(
        ("in the recording studio", "at the rehearsal room", "backstage at the concert hall", "at the busker's pitch",
         "in the radio studio"),
        ("before the soundcheck", "during the encore", "while the band tunes up", "as the presenter goes live",
         "after the gig")),
    "playroom": Domain(
        ("in the playroom", "at the nursery", "in the children's hospital ward", "at the toy shop", "at the daycare centre"),
        ("at bedtime", "before the toddlers wake from their nap", "during tidy-up time", "after the birthday party",
         "while the children play outside")),
    "bedroom": Domain(
        ("in the bedroom", "in the hotel suite", "in the guest room", "in the dormitory"),
        ("before the trip", "while getting dressed for the wedding", "after unpacking the suitcase",
         "as the sun comes up", "in time for the early flight")),
}

# Articulated nouns tied to the domain they belong to; other nouns use the type's `domain`.
NOUN_DOMAINS: dict[str, str] = {
    "desk drawer": "office", "filing cabinet drawer": "office", "tool chest drawer": "workshop",
    "kitchen drawer": "kitchen", "dresser drawer": "bedroom",
    "wardrobe door": "bedroom", "medicine cabinet door": "bathroom", "locker door": "sport",
    "pantry cupboard door": "kitchen",
    "jewellery box": "bedroom", "sewing box": "sewing", "toy chest": "playroom", "lunch box": "kitchen",
    "keepsake box": "living_room", "tool box": "workshop",
    "doorbell": "living_room", "elevator call button": "office", "emergency stop button": "workshop",
    "reception bell button": "office", "start button": "workshop", "buzzer": "games",
    "railway signal lever": "workshop", "slot machine lever": "games", "pump lever": "garden", "brake lever": "workshop",
    "sliding window": "living_room", "serving hatch": "kitchen", "display case panel": "library",
    "volume knob": "music", "stove knob": "kitchen", "thermostat dial": "living_room", "radio tuning dial": "music",
    "safe dial": "office", "faucet handle": "bathroom",
}

# Domains of the original toy vocabulary (types without their own `domain`).
FAMILY_DOMAINS: dict[str, str] = {
    "block": "playroom", "brick": "workshop", "ball": "sport", "can": "kitchen", "puck": "sport", "peg": "workshop",
    "plate": "kitchen", "bar": "workshop", "cube": "games", "lego": "playroom", "duck": "bathroom", "mug": "kitchen",
    "sphere": "workshop", "teddy": "playroom", "jenga": "games", "domino": "games", "tray": "kitchen",
    "torus": "games", "drawer": "bedroom", "door": "kitchen", "lid": "living_room", "button": "office",
    "lever": "workshop", "slider": "garden", "knob": "kitchen",
}

# Why this object matters right now: one or two reasons per object type (and per articulated noun), tied to
# the thing itself and neutral to the verb. Same vocabulary rules as the places and situations.
PURPOSES: dict[str, tuple[str, ...]] = {
    # everyday primitives
    "lemon": ("for the lemonade jug", "since the fish course still needs its garnish"),
    "apple": ("for the packed lunch", "because the orchard inspector wants a sample"),
    "tomato": ("for the salad", "since the pasta sauce needs one more"),
    "egg": ("for the omelette", "because the cake batter is waiting"),
    "salt_shaker": ("for the chips at table four", "since the chef says the stew is bland"),
    "pepper_mill": ("for the steak order", "so the waiter finds it quickly"),
    "spice_jar": ("for the curry", "because the spice rack is being relabelled"),
    "jam_jar": ("for the scones", "since breakfast guests keep asking for marmalade"),
    "sponge": ("because the greasy pans are soaking", "so the washing-up goes quicker"),
    "butter": ("for the toast", "because it softens near the stove"),
    "cheese": ("for the cheeseboard", "because the grater is ready"),
    "cutting_board": ("for the vegetable prep", "because the sous-chef needs the counter"),
    "saucer": ("for the espresso", "since the tea service needs it"),
    "cookie": ("for the child's snack", "because the snack jar is being refilled"),
    "bread_roll": ("for the soup course", "since the sandwich order is due"),
    "stapler": ("for the signed contracts", "because the report pages are loose"),
    "eraser": ("for the pencil sketch", "because the exam answers need correcting"),
    "glue_stick": ("for the scrapbook", "since the poster corners are peeling"),
    "highlighter": ("for the revision notes", "because the contract clauses need marking"),
    "tape_roll": ("for the parcel", "because the poster keeps curling"),
    "paperweight": ("because the fan scatters the papers", "as a souvenir for the visitor"),
    "notebook": ("for the meeting minutes", "because the lecture notes are due"),
    "book": ("for the reading circle", "since the overdue loans are being returned"),
    "smartphone": ("because it keeps buzzing with messages", "so it charges by the wireless pad"),
    "remote": ("for the film night", "because the television is too loud"),
    "candle": ("for the romantic dinner", "because the electricity is flickering"),
    "tealight": ("for the lantern", "since the fondue burner needs a flame"),
    "test_tube": ("for the enzyme assay", "because the blood sample must stay upright"),
    "vial": ("for the vaccine trial", "since the sample is due in the freezer"),
    "beaker": ("for the acid dilution", "because the titration uses it next"),
    "petri_dish": ("for the bacteria culture", "since the agar has to settle"),
    "weight": ("for calibrating the scales", "because the physics demo needs a known mass"),
    "pill_bottle": ("for the patient's evening dose", "since the prescription label was checked"),
    "nut": ("for the bicycle wheel", "because the engine mount is loose"),
    "battery": ("for the torch", "because the smoke alarm is beeping"),
    "offcut": ("for the birdhouse project", "since the shelf needs a shim"),
    "sanding_block": ("for smoothing the chair leg", "because the varnish coat needs a key"),
    "paint_tin": ("for the fence", "since the bedroom walls need another coat"),
    "wire_spool": ("for rewiring the lamp", "because the electrician needs more flex"),
    "screwdriver": ("for the loose hinge", "because the hinge screws are loose"),
    "soap": ("for washing muddy hands", "since the guest towels are fresh"),
    "shampoo": ("for the dog's wash", "because the hotel refills the toiletries"),
    "toothpaste": ("for brushing before bed", "since the travel kit needs it"),
    "nail_polish": ("for the manicure", "because it must dry away from the sink"),
    "flower_pot": ("for the basil seedlings", "since the tulip bulbs are sprouting"),
    "pine_cone": ("for the wreath", "because the nature table needs decorating"),
    "pebble": ("for the rock garden", "since the fish tank needs gravel"),
    "chess_pawn": ("for the Sicilian defence", "because the chess clock is running"),
    "checker": ("for the draughts match", "since the king needs crowning"),
    "puzzle_cube": ("for the speed-solving contest", "because it was scrambled again"),
    "card_deck": ("for the poker game", "since the magician needs it for the trick"),
    "tennis_ball": ("for the serve practice", "because the dog is desperate for a game"),
    "golf_ball": ("for the putting practice", "since the caddie is waiting"),
    "ping_pong_ball": ("for the rally", "because the beer-pong game is starting"),
    "spool": ("for hemming the trousers", "since the quilt needs more thread"),
    "pincushion": ("because the pins are scattered", "for the fitting session"),
    "matchbox": ("for lighting the fire", "because the camping stove needs a flame"),
    "harmonica": ("for the blues solo", "since the busker is ready to play"),
    # the toy primitives and catalog assets
    "block": ("for the counting game", "because the toddler wants a castle"),
    "brick": ("for the wall model", "since the masonry class studies bonds"),
    "ball": ("for the bocce match", "because the juggler lost one"),
    "can": ("for the food bank", "since the recycling is sorted today"),
    "puck": ("for the air hockey game", "because the curling practice starts soon"),
    "peg": ("for the pegboard puzzle", "since the tent needs anchoring"),
    "plate": ("for the dinner service", "since the buffet is short of crockery"),
    "bar": ("for the xylophone", "because the shelf bracket needs a spacer"),
    "cube": ("for the dice game", "because the puzzle is incomplete"),
    "lego": ("for the spaceship model", "since the toy town needs a roof"),
    "duck": ("for bath time", "because the fairground stall awards prizes"),
    "mug": ("for the morning coffee", "since the hot chocolate is ready"),
    "sphere": ("for the bearing assembly", "because the pinball machine is being repaired"),
    "teddy": ("for the bedtime story", "because the toddler is crying"),
    "jenga": ("for the party game", "since the party guests want a rematch"),
    "domino": ("for the chain reaction", "because the pub game needs all its pieces"),
    "tray": ("for the room-service order", "since the cafeteria line is busy"),
    "torus": ("for the ring toss game", "because the ring puzzle needs solving"),
    # articulated nouns
    "desk drawer": ("for the spare keys", "because the tax papers are filed there"),
    "filing cabinet drawer": ("for the invoices", "since the auditors arrive tomorrow"),
    "tool chest drawer": ("for the ratchet wrench", "because the spanners live there"),
    "kitchen drawer": ("for the cutlery", "since the tea towels are kept there"),
    "dresser drawer": ("for the folded socks", "because the laundry is dry"),
    "wardrobe door": ("for the winter coats", "since the wedding suit hangs there"),
    "medicine cabinet door": ("for the plasters", "because the thermometer is kept there"),
    "locker door": ("for the gym kit", "since the swimming towel is there"),
    "pantry cupboard door": ("for the flour", "because the tins of beans are there"),
    "jewellery box": ("for the pearl earrings", "since the wedding ring is kept there"),
    "sewing box": ("for the needles", "because the thimble is in there"),
    "toy chest": ("for the wooden train", "since the dolls sleep there"),
    "lunch box": ("for the school lunch", "because the sandwiches are packed there"),
    "keepsake box": ("for the old photographs", "since the love letters are kept there"),
    "tool box": ("for the spanners", "because the hammer belongs there"),
    "doorbell": ("because the pizza courier has arrived", "so the neighbours know the parcel is here"),
    "elevator call button": ("for the trip to the tenth floor", "because the delivery trolley is heavy"),
    "emergency stop button": ("because the conveyor belt is jammed", "for the safety drill"),
    "reception bell button": ("because the guest wants to check in", "for the porter"),
    "start button": ("for the washing cycle", "because the conveyor must run"),
    "buzzer": ("because the quiz team knows the answer", "for the final question"),
    "railway signal lever": ("for the approaching express", "because the freight train waits at the junction"),
    "slot machine lever": ("for one more go on the reels", "because the jackpot is due"),
    "pump lever": ("for the water trough", "since the well bucket is empty"),
    "brake lever": ("because the trolley is rolling", "for the test ride"),
    "sliding window": ("for some fresh air", "because the room is stuffy"),
    "serving hatch": ("for the soup orders", "because the waiter is calling"),
    "display case panel": ("for the museum curator", "since the fossil needs dusting"),
    "volume knob": ("because the drummer cannot hear the bass", "for the quiet ballad"),
    "stove knob": ("for the simmering sauce", "because the milk is boiling over"),
    "thermostat dial": ("because the room is chilly", "for the night setting"),
    "radio tuning dial": ("for the football commentary", "since the jazz station is fading"),
    "safe dial": ("for the combination", "because the manager needs the cash float"),
    "faucet handle": ("for warm water", "since the basin is filling"),
}
