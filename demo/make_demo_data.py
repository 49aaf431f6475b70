"""Generate Tandem's demo data set: ``catalog.jsonl`` (products) and ``events.jsonl`` (behaviour).

Everything here is SYNTHETIC. Product titles, descriptions, brands, publishers, authors, users
and events are produced by this seeded script from small hand-written word lists; no real
catalogue, trademark or user data is copied or downloaded (the script makes no network calls).
Brand, publisher and author names are invented. The generated files are licence-clean: they are
released under CC0 1.0 and may equally be used under the project's own licence (Apache-2.0).

The output is deterministic: the same ``--seed``, ``--items`` and ``--users`` always give
byte-identical files (only numpy's seeded ``default_rng`` is used for randomness).

Structure worth knowing when writing tests or demos:

* Items ``item-00001`` .. ``item-00008`` are fixed "anchor" products (see ``ANCHORS``); each
  carries a phrase that appears in no other item's title or description, e.g. exactly one
  item mentions "Espresso Machine", "Trail Running Shoes" or "Mechanical Keyboard".
* Users belong to latent taste clusters (1-2 categories, a subset of those categories' items,
  a few brands, a price band), so collaborative filtering and two-tower models have signal.
* Events follow a view -> click -> add_to_cart -> purchase funnel inside sessions; a purchase
  is always preceded by a click and an add_to_cart of the same item by the same user.
* ``popularity`` in the catalogue is the item's number of events in ``events.jsonl``.

Regenerate with::

    python demo/make_demo_data.py            # --seed 42 --items 3000 --users 300
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

END = datetime(2026, 11, 1, tzinfo=UTC)  # exclusive upper bound of all timestamps
EVENT_WINDOW_DAYS = 120
CATALOG_YEARS = 3

# Strength of the latent taste structure (see build_events). Each cluster favours a random
# MEMBER_SHARE of the items in its categories, boosted MEMBER_BOOST-fold over the rest;
# within a user's categories item appeal is prior ** PRIOR_EXPONENT, so the global
# popularity prior does not drown the cluster signal.
N_CLUSTERS = 15
MEMBER_SHARE = 0.15
MEMBER_BOOST = 25.0
PRIOR_EXPONENT = 0.4
CLUSTER_SIZE_CONCENTRATION = 8.0  # Dirichlet alpha; higher = more even cluster sizes

# --------------------------------------------------------------------------------------------
# Product vocabulary. A product type is
#   T(name, price_lo, price_hi, tags, variant, modifiers, features, uses="", genders="")
# tags: "a,b"; variant: "color" | "opt:A/B/C" | "pack:2/4" | "none"; modifiers: "A/B";
# features: "x;y;z" (phrases for descriptions); uses: "x;y"; genders: letters of M W K U.
# --------------------------------------------------------------------------------------------


def _split(text: str, sep: str) -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def T(name, lo, hi, tags, variant="none", mods="", feats="", uses="", genders=""):
    return {
        "name": name,
        "lo": float(lo),
        "hi": float(hi),
        "tags": _split(tags, ","),
        "variant": variant,
        "mods": _split(mods, "/"),
        "feats": _split(feats, ";"),
        "uses": _split(uses, ";"),
        "genders": genders,
    }


CATEGORIES: dict[str, dict] = {
    "Electronics": {
        "weight": 1.2,
        "line_p": 0.65,
        "model_p": 0.4,
        "colors": [
            "Matte Black",
            "Graphite",
            "Silver",
            "Arctic White",
            "Midnight Blue",
            "Sage Green",
            "Rose Gold",
            "Slate Grey",
        ],
        "uses": ["commuting and travel", "home offices", "everyday use", "students", "gaming and streaming"],
        "extras": [
            "Includes a 2-year limited warranty.",
            "USB-C cable included.",
            "Firmware updates add features over time.",
            "Ships in recyclable packaging.",
        ],
        "types": [
            T(
                "Wireless Over-Ear Headphones",
                39,
                349,
                "headphones,audio,wireless",
                "color",
                "ANC/Foldable/Studio/Hi-Res",
                "active noise cancellation;40-hour battery life;"
                "plush memory-foam ear cushions;multipoint bluetooth pairing",
                "long flights;commuting;focused work",
            ),
            T(
                "True Wireless Earbuds",
                25,
                249,
                "earbuds,audio,wireless",
                "color",
                "ANC/Sport/Compact/Open-Fit",
                "a pocketable charging case;IPX5 sweat resistance;touch controls;a low-latency game mode",
                "workouts;commuting;phone calls",
            ),
            T(
                "Smartwatch",
                79,
                399,
                "smartwatch,wearable,fitness",
                "color",
                "GPS/AMOLED/Rugged",
                "heart-rate and sleep tracking;a bright always-on display;7-day battery life;built-in GPS",
                "runners;everyday health tracking",
            ),
            T(
                "Fitness Tracker Band",
                29,
                129,
                "fitness tracker,wearable,fitness",
                "color",
                "Slim/Waterproof",
                "step and sleep tracking;a swim-proof design;10-day battery life",
                "daily step goals;sleep tracking",
            ),
            T(
                "USB-C Charger",
                15,
                79,
                "charger,usb-c,power",
                "opt:30W/65W/100W/140W",
                "GaN/Dual-Port/Compact Travel",
                "gallium-nitride circuitry;foldable prongs;fast charging for laptops and phones",
                "travel;charging laptops and phones",
            ),
            T(
                "Portable Power Bank",
                19,
                99,
                "power bank,battery,travel",
                "opt:10000mAh/20000mAh/26800mAh",
                "Slim/Magnetic/Fast-Charge",
                "pass-through charging;an LED charge indicator;two USB-C ports",
                "travel;festivals;long days away from an outlet",
            ),
            T(
                "Bluetooth Speaker",
                29,
                249,
                "speaker,audio,bluetooth",
                "color",
                "Waterproof/Portable/360-Degree/Rugged",
                "room-filling 360-degree sound;IP67 dust and water resistance;a 20-hour battery;stereo pairing",
                "beach days;backyard parties;the shower",
            ),
            T(
                "E-Reader",
                89,
                279,
                "e-reader,reading,ebooks",
                "opt:6-inch/7-inch/8-inch",
                "Glare-Free/Waterproof/Backlit",
                "a glare-free e-ink display;adjustable warm light;weeks of battery life;32 GB of storage",
                "reading in bed;the beach;commuting",
            ),
            T(
                "HD Webcam",
                29,
                179,
                "webcam,video,work from home",
                "opt:1080p/2K/4K",
                "Auto-Focus/Wide-Angle/Streaming",
                "auto light correction;dual noise-reducing mics;a privacy shutter",
                "video calls;streaming;remote work",
            ),
            T(
                "Wireless Keyboard",
                25,
                129,
                "keyboard,computer accessories,wireless",
                "color",
                "Low-Profile/Compact/Ergonomic/Backlit",
                "quiet scissor switches;multi-device switching;a rechargeable battery",
                "home offices;tablets and laptops",
            ),
            T(
                "Gaming Keyboard",
                39,
                189,
                "keyboard,gaming,computer accessories",
                "color",
                "RGB/Tenkeyless/Hot-Swap",
                "per-key RGB lighting;n-key rollover;a braided detachable cable;PBT keycaps",
                "competitive gaming;streaming setups",
            ),
            T(
                "Wireless Mouse",
                15,
                99,
                "mouse,computer accessories,wireless",
                "color",
                "Ergonomic/Silent/Vertical/Gaming",
                "silent clicks;a 4000 DPI sensor;a 70-day battery;a sculpted thumb rest",
                "home offices;travel;long work days",
            ),
            T(
                "Computer Monitor",
                129,
                799,
                "monitor,display,computer",
                "opt:24-inch/27-inch/32-inch",
                "4K/QHD/Curved/IPS",
                "a 144 Hz refresh rate;an adjustable stand;USB-C with 65 W charging;factory color calibration",
                "home offices;photo editing;gaming",
            ),
            T(
                "Laptop Stand",
                19,
                79,
                "laptop stand,desk,ergonomics",
                "color",
                "Adjustable/Aluminum/Foldable",
                "six height settings;a ventilated aluminum frame;non-slip silicone pads",
                "home offices;better posture",
            ),
            T(
                "USB-C Hub",
                19,
                89,
                "hub,usb-c,adapter",
                "opt:6-in-1/7-in-1/10-in-1",
                "Aluminum/Travel",
                "4K HDMI output;SD card slots;100 W pass-through charging",
                "laptops with few ports;travel",
            ),
            T(
                "Wireless Router",
                49,
                299,
                "router,networking,wifi",
                "none",
                "Wi-Fi 6/Tri-Band/Mesh/Dual-Band",
                "whole-home coverage;WPA3 security;four gigabit ethernet ports;parental controls",
                "busy households;streaming in 4K",
            ),
            T(
                "Smart Plug",
                9,
                39,
                "smart home,plug",
                "pack:2/4",
                "Wi-Fi/Energy-Monitoring/Mini",
                "app scheduling;energy monitoring;voice assistant support",
                "lamps and fans;holiday lights",
            ),
            T(
                "Action Camera",
                99,
                399,
                "camera,video,outdoor",
                "none",
                "4K/Waterproof/Stabilized",
                "electronic image stabilization;waterproofing to 10 m;a front selfie screen",
                "cycling;surfing;travel vlogs",
            ),
            T(
                "Digital Camera",
                199,
                999,
                "camera,photography",
                "color",
                "Compact/Mirrorless/Zoom",
                "a 24-megapixel sensor;a 5x optical zoom;4K video",
                "travel photography;family events",
            ),
            T(
                "Tablet",
                129,
                699,
                "tablet,mobile",
                "opt:64GB/128GB/256GB",
                "10-inch/11-inch/Kids",
                "a sharp laminated display;quad speakers;all-day battery life",
                "streaming;note-taking;kids",
            ),
            T(
                "Streaming Media Stick",
                29,
                79,
                "streaming,tv",
                "none",
                "4K/HDR",
                "a voice remote;4K HDR playback;fast Wi-Fi 6",
                "older TVs;travel",
            ),
            T(
                "Soundbar",
                99,
                499,
                "soundbar,audio,tv",
                "none",
                "Compact/2.1-Channel/Wireless Subwoofer",
                "clear dialogue enhancement;a wireless subwoofer;HDMI ARC",
                "living rooms;movie nights",
            ),
            T(
                "Gaming Headset",
                39,
                199,
                "headset,gaming,audio",
                "color",
                "Wireless/Surround/Lightweight",
                "a detachable boom mic;virtual surround sound;breathable mesh ear pads",
                "long gaming sessions;voice chat",
            ),
            T(
                "Dash Cam",
                39,
                199,
                "dash cam,car,camera",
                "none",
                "1080p/4K/Front-and-Rear",
                "loop recording;a G-sensor that locks incident clips;night vision",
                "daily commutes;rideshare drivers",
            ),
            T(
                "Portable SSD",
                59,
                299,
                "storage,ssd,backup",
                "opt:500GB/1TB/2TB/4TB",
                "Rugged/Pocket",
                "1050 MB/s transfer speeds;drop resistance;hardware encryption",
                "photo backups;video editing on the go",
            ),
            T(
                "USB Microphone",
                39,
                199,
                "microphone,podcast,audio",
                "color",
                "Condenser/Streaming/Cardioid",
                "a cardioid pickup pattern;a built-in headphone jack;a tap-to-mute button",
                "podcasting;streaming;video calls",
            ),
            T(
                "Phone Case",
                12,
                49,
                "phone case,accessories",
                "color",
                "Clear/Rugged/Slim/Magnetic",
                "raised camera edges;drop protection;a grippy matte finish",
                "everyday protection",
            ),
            T(
                "Wireless Charging Pad",
                15,
                59,
                "charger,wireless charging",
                "color",
                "Fast/3-in-1/Slim",
                "15 W fast wireless charging;foreign-object detection;a soft-glow status light",
                "nightstands;desks",
            ),
            T(
                "Smart Alarm Clock",
                29,
                99,
                "clock,smart home,sleep",
                "color",
                "Sunrise/Bluetooth",
                "a sunrise wake-up light;nature sounds;a USB charging port",
                "bedrooms;heavy sleepers",
            ),
        ],
    },
    "Books": {"weight": 1.1},  # titles are generated by make_book(); see BOOK_GENRES
    "Kitchen": {
        "weight": 1.05,
        "line_p": 0.15,
        "model_p": 0.0,
        "colors": ["Matte Black", "Cream", "Cherry Red", "Sage Green", "Cobalt Blue", "Slate Grey", "Copper", "Ivory"],
        "uses": ["everyday home cooking", "weeknight dinners", "small kitchens", "entertaining guests", "meal prep"],
        "extras": [
            "Backed by a limited lifetime warranty.",
            "Ships in recyclable packaging.",
            "Hand-washing recommended to keep it looking new.",
            "Dishwasher-safe parts make cleanup easy.",
        ],
        "types": [
            T(
                "Stainless Steel Skillet",
                29,
                149,
                "skillet,cookware,pan",
                "opt:8-inch/10-inch/12-inch",
                "Tri-Ply/Induction-Ready/Professional",
                "tri-ply stainless construction;a stay-cool handle;oven safety to 500 degrees F",
                "searing;everyday cooking",
            ),
            T(
                "Nonstick Frying Pan",
                19,
                89,
                "frying pan,cookware,nonstick",
                "opt:8-inch/10-inch/12-inch",
                "Ceramic/Hard-Anodized/Everyday",
                "a PFAS-free ceramic coating;an even-heating aluminum core;a riveted handle",
                "eggs and pancakes;low-fat cooking",
            ),
            T(
                "Enameled Dutch Oven",
                49,
                349,
                "dutch oven,cookware,enameled",
                "opt:4 Quart/5.5 Quart/7 Quart",
                "Round/Oval/Classic",
                "chip-resistant enamel;a tight-fitting self-basting lid;excellent heat retention",
                "braises and stews;bread baking;soups",
            ),
            T(
                "Drip Coffee Maker",
                29,
                199,
                "coffee maker,coffee,brewing",
                "opt:8-Cup/10-Cup/12-Cup",
                "Programmable/Thermal Carafe/Compact",
                "a 24-hour brew timer;a double-wall thermal carafe;a bloom setting",
                "busy mornings;offices",
            ),
            T(
                "Burr Coffee Grinder",
                29,
                249,
                "coffee grinder,coffee",
                "color",
                "Conical/Electric/Manual",
                "40 grind settings;stainless conical burrs;a low-static grounds bin",
                "pour-over;french press;home baristas",
            ),
            T(
                "Pour-Over Coffee Dripper",
                12,
                49,
                "pour-over,coffee,brewing",
                "color",
                "Ceramic/Glass/Copper",
                "a spiral-ribbed cone;a wide base that fits most mugs;reusable or paper filters",
                "single cups;slow mornings",
            ),
            T(
                "Electric Kettle",
                19,
                149,
                "kettle,tea,coffee",
                "opt:1.0 L/1.7 L",
                "Gooseneck/Variable-Temperature/Glass",
                "precise temperature presets;a keep-warm mode;auto shut-off",
                "tea lovers;pour-over coffee",
            ),
            T(
                "Countertop Blender",
                39,
                449,
                "blender,smoothies,appliances",
                "color",
                "High-Speed/Personal/Professional",
                "a 1400-watt motor;a 64 oz BPA-free jar;pulse and smoothie programs",
                "smoothies;soups;nut butters",
            ),
            T(
                "Stand Mixer",
                149,
                549,
                "stand mixer,baking,appliances",
                "color",
                "Tilt-Head/Bowl-Lift",
                "a 5-quart stainless bowl;10 speeds;a dough hook, whisk and flat beater",
                "bread dough;cookies;cakes",
            ),
            T(
                "Air Fryer",
                49,
                229,
                "air fryer,appliances,healthy cooking",
                "opt:4 Quart/6 Quart/8 Quart",
                "Digital/Dual-Basket/Compact",
                "rapid hot-air circulation;a dishwasher-safe basket;eight one-touch presets",
                "crispy fries with little oil;quick dinners",
            ),
            T(
                "Chef's Knife",
                19,
                229,
                "chef knife,knives,cutlery",
                "opt:6-inch/8-inch/10-inch",
                "Damascus Steel/German Steel/Japanese-Style",
                "a razor-sharp 15-degree edge;a full-tang handle;high-carbon steel",
                "chopping vegetables;everyday prep",
            ),
            T(
                "Knife Block Set",
                59,
                399,
                "knife set,knives,cutlery",
                "opt:8-Piece/12-Piece/15-Piece",
                "Self-Sharpening/Stainless/Walnut",
                "forged high-carbon blades;a built-in honing steel;kitchen shears",
                "new homes;wedding gifts",
            ),
            T(
                "Cutting Board",
                15,
                99,
                "cutting board,prep",
                "opt:Small/Medium/Large",
                "Bamboo/End-Grain Walnut/Reversible",
                "a juice groove;non-slip feet;knife-friendly wood",
                "meal prep;serving charcuterie",
            ),
            T(
                "Slow Cooker",
                29,
                149,
                "slow cooker,appliances",
                "opt:4 Quart/6 Quart/8 Quart",
                "Programmable/Oval",
                "a removable ceramic crock;a locking lid;an automatic warm setting",
                "chili and stews;potlucks",
            ),
            T(
                "Electric Pressure Cooker",
                59,
                199,
                "pressure cooker,appliances,instant",
                "opt:6 Quart/8 Quart",
                "Multi-Function/Digital",
                "14 cooking programs;a stainless inner pot;a quick-release steam valve",
                "beans and grains;busy families",
            ),
            T(
                "Toaster",
                25,
                149,
                "toaster,appliances,breakfast",
                "opt:2-Slice/4-Slice",
                "Wide-Slot/Retro/Stainless",
                "extra-wide slots for bagels;seven shade settings;a crumb tray",
                "breakfast;bagels",
            ),
            T(
                "Food Storage Containers",
                15,
                69,
                "food storage,containers,meal prep",
                "pack:10/18/24",
                "Glass/BPA-Free/Leakproof",
                "snap-lock lids;oven-safe glass bases;stackable shapes",
                "meal prep;leftovers;lunches",
            ),
            T(
                "Half Sheet Baking Pans",
                15,
                49,
                "baking sheet,bakeware,baking",
                "pack:2/3",
                "Nonstick/Aluminized/Commercial",
                "warp-resistant rolled edges;even browning;heavy-gauge aluminum",
                "cookies;roasted vegetables",
            ),
            T(
                "Mixing Bowl Set",
                19,
                79,
                "mixing bowls,baking,prep",
                "opt:3-Piece/5-Piece",
                "Stainless Steel/Glass/Nesting",
                "non-slip silicone bases;pour spouts;airtight lids",
                "baking;marinating",
            ),
            T(
                "Measuring Cups and Spoons Set",
                9,
                35,
                "measuring cups,baking",
                "none",
                "Stainless Steel/Magnetic",
                "engraved measurements;nesting storage;a leveling edge",
                "baking;precise recipes",
            ),
            T(
                "Milk Frother",
                12,
                129,
                "milk frother,coffee,latte",
                "color",
                "Handheld/Electric",
                "hot and cold foam settings;a nonstick whisking chamber;one-touch operation",
                "lattes;cappuccinos;hot chocolate",
            ),
            T(
                "Cold Brew Coffee Maker",
                19,
                59,
                "cold brew,coffee,brewing",
                "opt:1 Quart/2 Quart",
                "Glass/Airtight",
                "a fine-mesh stainless filter;an airtight lid;a slim fridge-friendly shape",
                "iced coffee;summer mornings",
            ),
            T(
                "French Press",
                15,
                69,
                "french press,coffee,tea",
                "opt:3-Cup/8-Cup",
                "Double-Wall/Glass/Stainless",
                "a four-level filtration system;a double-wall insulated body;a heat-resistant handle",
                "rich full-bodied coffee",
            ),
            T(
                "Digital Kitchen Scale",
                12,
                59,
                "kitchen scale,baking",
                "color",
                "Precision/Slim",
                "0.1 gram precision;a tare function;a wipe-clean glass top",
                "baking;coffee brewing",
            ),
            T(
                "Saucepan with Lid",
                19,
                129,
                "saucepan,cookware",
                "opt:1.5 Quart/2 Quart/3 Quart",
                "Tri-Ply/Nonstick",
                "measurement markings;a tempered glass lid;induction compatibility",
                "sauces;grains;soups",
            ),
            T(
                "Silicone Spatula Set",
                9,
                29,
                "spatula,utensils",
                "pack:3/5",
                "Heat-Resistant/Seamless",
                "one-piece seamless silicone;heat resistance to 600 degrees F;scratch-free edges",
                "nonstick pans;baking",
            ),
            T(
                "Rice Cooker",
                29,
                249,
                "rice cooker,appliances,rice",
                "opt:3-Cup/6-Cup/10-Cup",
                "Fuzzy Logic/Compact/Induction",
                "settings for white, brown and sushi rice;a keep-warm mode;a nonstick inner pot",
                "rice and grains;steaming vegetables",
            ),
            T(
                "Wok",
                25,
                119,
                "wok,cookware,stir fry",
                "opt:12-inch/14-inch",
                "Carbon Steel/Hand-Hammered/Flat-Bottom",
                "a naturally nonstick patina;a helper handle;fast, even heat",
                "stir fries;fried rice",
            ),
            T(
                "Water Filter Pitcher",
                19,
                59,
                "water filter,pitcher",
                "opt:6-Cup/10-Cup",
                "Slim/Fridge-Friendly",
                "a two-month filter;a fill-through lid;a filter-change indicator",
                "better-tasting tap water",
            ),
            T(
                "Stoneware Dinnerware Set",
                49,
                249,
                "dinnerware,plates,tableware",
                "opt:12-Piece/16-Piece",
                "Speckled/Matte/Reactive-Glaze",
                "chip-resistant stoneware;microwave and dishwasher safety;plates, bowls and mugs",
                "everyday meals;hosting",
            ),
        ],
    },
    "Outdoor": {
        "weight": 1.0,
        "line_p": 0.4,
        "model_p": 0.1,
        "colors": ["Forest Green", "Slate Blue", "Burnt Orange", "Olive", "Charcoal", "Sand", "Red Clay"],
        "uses": ["weekend camping trips", "backpacking", "day hikes", "car camping", "lake days"],
        "extras": [
            "Comes with a lightweight stuff sack.",
            "Backed by a lifetime repair program.",
            "Tested in the field by our gear team.",
            "Ships in recycled packaging.",
        ],
        "types": [
            T(
                "Camping Tent",
                79,
                599,
                "tent,camping,shelter",
                "opt:2-Person/4-Person/6-Person",
                "Backpacking/Ultralight/Instant/Dome",
                "a full-coverage rainfly;two doors and vestibules;color-coded poles",
                "backpacking;family camping",
            ),
            T(
                "Sleeping Bag",
                39,
                349,
                "sleeping bag,camping",
                "color",
                "Down/Synthetic/3-Season/Mummy",
                "a draft collar;a water-resistant shell;a compression sack",
                "cool nights;backpacking",
            ),
            T(
                "Sleeping Pad",
                29,
                199,
                "sleeping pad,camping",
                "color",
                "Inflatable/Self-Inflating/Foam",
                "an R-value of 4.2;a one-way valve;a packed size of a water bottle",
                "backpacking;car camping",
            ),
            T(
                "Hiking Backpack",
                59,
                299,
                "backpack,hiking,pack",
                "opt:28L/40L/55L/65L",
                "Ventilated/Lightweight/Technical",
                "a ventilated back panel;a hydration sleeve;an included rain cover",
                "day hikes;multi-day treks",
            ),
            T(
                "Headlamp",
                15,
                79,
                "headlamp,lighting,camping",
                "opt:300 Lumen/500 Lumen/1000 Lumen",
                "Rechargeable/Waterproof",
                "a red night-vision mode;USB-C charging;IPX4 weather resistance",
                "night hikes;camp chores",
            ),
            T(
                "Camping Lantern",
                15,
                79,
                "lantern,lighting,camping",
                "color",
                "Rechargeable/Solar/Collapsible",
                "dimmable warm light;a phone-charging port;a hanging hook",
                "campsites;power outages",
            ),
            T(
                "Insulated Water Bottle",
                19,
                49,
                "water bottle,hydration",
                "opt:20 oz/32 oz/40 oz",
                "Stainless Steel/Wide-Mouth/Vacuum",
                "double-wall vacuum insulation;a leakproof lid;24 hours cold",
                "hikes;the gym;the office",
            ),
            T(
                "Trekking Poles",
                29,
                179,
                "trekking poles,hiking",
                "none",
                "Carbon Fiber/Aluminum/Collapsible",
                "cork grips;flick-lock adjustment;carbide tips",
                "steep descents;long hikes",
            ),
            T(
                "Camp Stove",
                39,
                199,
                "camp stove,cooking,camping",
                "none",
                "Two-Burner/Backpacking/Portable",
                "piezo ignition;wind screens;precise simmer control",
                "camp cooking;tailgates",
            ),
            T(
                "Camping Hammock",
                25,
                99,
                "hammock,camping,relaxing",
                "color",
                "Double/Ultralight/Parachute Nylon",
                "tree-friendly straps;a built-in stuff sack;a 400 lb capacity",
                "lazy afternoons;backpacking",
            ),
            T(
                "Backcountry Water Filter",
                24,
                129,
                "water filter,hiking,survival",
                "none",
                "Squeeze/Gravity/Pump",
                "0.1-micron hollow-fiber filtration;a collapsible pouch;field-cleanable design",
                "backpacking;emergency kits",
            ),
            T(
                "Hard-Sided Cooler",
                69,
                399,
                "cooler,camping,tailgating",
                "opt:25 Quart/45 Quart/65 Quart",
                "Rotomolded/Rolling",
                "three inches of insulation;a freezer-grade gasket;a drain plug",
                "road trips;fishing trips",
            ),
            T(
                "Camp Chair",
                25,
                149,
                "camp chair,camping,seating",
                "color",
                "Folding/Ultralight/Rocking",
                "a cup holder;a breathable mesh back;a carry bag",
                "campfires;sports sidelines",
            ),
            T(
                "Binoculars",
                49,
                499,
                "binoculars,birding,optics",
                "opt:8x42/10x42/10x50",
                "Waterproof/Compact/HD",
                "fully multi-coated lenses;fog-proof nitrogen purging;twist-up eyecups",
                "birdwatching;wildlife viewing",
            ),
            T(
                "Roll-Top Dry Bag",
                12,
                49,
                "dry bag,waterproof,paddling",
                "opt:5L/10L/20L/30L",
                "Waterproof/Heavy-Duty",
                "welded seams;a roll-top closure;a shoulder strap",
                "kayaking;boating;rainy hikes",
            ),
            T(
                "Multi-Tool",
                19,
                129,
                "multi-tool,tools,edc",
                "opt:14-in-1/18-in-1",
                "Stainless/Pocket",
                "locking blades;needle-nose pliers;a belt sheath",
                "camp fixes;everyday carry",
            ),
            T(
                "Fire Starter Kit",
                9,
                39,
                "fire starter,survival,camping",
                "none",
                "Ferro Rod/Waterproof",
                "a ferrocerium rod;waterproof tinder;a striker",
                "campfires in wet weather",
            ),
            T(
                "Camping Cookware Set",
                25,
                129,
                "cookware,camping,cooking",
                "none",
                "Titanium/Nesting/Nonstick",
                "nesting pots and a pan;folding handles;a mesh carry bag",
                "backpacking meals;car camping",
            ),
            T(
                "Kayak Paddle",
                49,
                249,
                "kayak,paddle,paddling",
                "opt:220 cm/230 cm/240 cm",
                "Fiberglass/Carbon/Lightweight",
                "adjustable feathering;drip rings;a two-piece shaft",
                "touring;lake paddling",
            ),
            T(
                "Inflatable Kayak",
                149,
                699,
                "kayak,paddling,water",
                "opt:1-Person/2-Person",
                "Touring/Sit-On-Top",
                "drop-stitch floor;a removable skeg;a hand pump",
                "lakes;calm rivers",
            ),
            T(
                "Fishing Rod and Reel Combo",
                29,
                199,
                "fishing,rod,reel",
                "none",
                "Telescopic/Spinning/Ultralight",
                "a graphite blank;a smooth 5+1 bearing reel;a travel case",
                "lake fishing;beginners",
            ),
            T(
                "Tarp Shelter",
                25,
                149,
                "tarp,shelter,camping",
                "opt:8x10 ft/10x12 ft",
                "Ultralight/Waterproof",
                "reinforced tie-outs;a silicone-coated ripstop shell;included guy lines",
                "rain cover;ultralight setups",
            ),
            T(
                "Handheld GPS Navigator",
                99,
                399,
                "gps,navigation,hiking",
                "none",
                "Rugged/Topo/Satellite",
                "preloaded topo maps;a sunlight-readable screen;an SOS messaging button",
                "off-trail navigation;backcountry trips",
            ),
            T(
                "Bear-Resistant Food Canister",
                59,
                99,
                "bear canister,camping,food storage",
                "none",
                "Lightweight/Clear",
                "a tool-free lid;7-day food capacity;a rugged polycarbonate shell",
                "backcountry camping in bear country",
            ),
            T(
                "First Aid Kit",
                15,
                69,
                "first aid,safety,survival",
                "opt:100-Piece/250-Piece",
                "Compact/Waterproof",
                "organized labeled pockets;blister care;a survival blanket",
                "hikes;cars;camping trips",
            ),
            T(
                "Picnic Blanket",
                19,
                69,
                "picnic blanket,outdoor",
                "color",
                "Waterproof/Oversized",
                "a waterproof backing;a sand-shedding top;a carry strap",
                "picnics;concerts;the beach",
            ),
            T(
                "Camping Table",
                29,
                129,
                "camp table,camping",
                "none",
                "Folding/Aluminum/Roll-Up",
                "a roll-up aluminum top;adjustable legs;a padded carry case",
                "camp kitchens;tailgates",
            ),
        ],
    },
    "Clothing": {
        "weight": 1.1,
        "line_p": 0.1,
        "model_p": 0.0,
        "genders": "MW",
        "colors": [
            "Navy",
            "Heather Grey",
            "Charcoal",
            "Olive",
            "Burgundy",
            "Camel",
            "Black",
            "Ivory",
            "Forest Green",
            "Dusty Rose",
            "Rust",
            "Oatmeal",
            "Mustard",
        ],
        "uses": ["everyday wear", "layering in cooler weather", "travel", "the office", "weekends"],
        "extras": [
            "Machine washable.",
            "Available in sizes XS to XXL.",
            "Ethically made.",
            "Relaxed fit; size down for a closer fit.",
        ],
        "types": [
            T(
                "Merino Wool Crew Neck Sweater",
                49,
                159,
                "sweater,merino,knitwear",
                "color",
                "Lightweight/Fine-Knit/Chunky",
                "soft, itch-free merino wool;ribbed cuffs;natural temperature regulation",
                "layering;cool evenings",
            ),
            T(
                "Cotton Crew Neck T-Shirt",
                12,
                39,
                "t-shirt,cotton,basics",
                "color",
                "Organic/Heavyweight/Slub/Pima",
                "pre-shrunk organic cotton;a tag-free collar;a relaxed fit",
            ),
            T(
                "Slim-Fit Chino Pants",
                39,
                99,
                "chinos,pants,trousers",
                "color",
                "Stretch/Organic Cotton",
                "a hint of stretch;a tapered leg;a hidden phone pocket",
                "the office;weekends",
            ),
            T(
                "Straight-Leg Denim Jeans",
                39,
                129,
                "jeans,denim,pants",
                "color",
                "Stretch/Selvedge/Vintage-Wash",
                "rigid or stretch denim;reinforced pockets;a classic five-pocket design",
            ),
            T(
                "Hooded Sweatshirt",
                29,
                89,
                "hoodie,sweatshirt,loungewear",
                "color",
                "Fleece-Lined/French Terry/Oversized",
                "a brushed-fleece interior;a kangaroo pocket;a lined hood",
                "lounging;chilly mornings",
            ),
            T(
                "Packable Down Jacket",
                79,
                299,
                "jacket,down,outerwear",
                "color",
                "Lightweight/Hooded/Water-Resistant",
                "responsibly sourced 650-fill down;a stuff-pocket;a water-resistant shell",
                "travel;cold commutes",
            ),
            T(
                "Waterproof Rain Jacket",
                59,
                249,
                "rain jacket,outerwear,waterproof",
                "color",
                "Packable/Breathable/3-Layer",
                "fully taped seams;pit zips;an adjustable hood",
                "rainy commutes;hiking",
            ),
            T(
                "Fleece Quarter-Zip Pullover",
                29,
                99,
                "fleece,pullover,layering",
                "color",
                "Grid/Sherpa/Microfleece",
                "a soft microfleece;a stand-up collar;a zip chest pocket",
                "layering;campfires",
            ),
            T(
                "Oxford Button-Down Shirt",
                29,
                89,
                "shirt,oxford,button-down",
                "color",
                "Slim-Fit/Classic/Wrinkle-Resistant",
                "a crisp oxford weave;a button-down collar;a curved hem",
                "the office;smart-casual dinners",
            ),
            T(
                "Linen Shirt",
                35,
                99,
                "linen shirt,summer,shirt",
                "color",
                "Relaxed/Garment-Dyed",
                "breathable European flax linen;mother-of-pearl buttons;a relaxed cut",
                "hot summer days;beach vacations",
            ),
            T(
                "Wrap Dress",
                45,
                159,
                "dress,wrap dress",
                "color",
                "Midi/Floral/Satin",
                "a flattering tie waist;flutter sleeves;a fluid drape",
                "weddings;date nights;work",
                "W",
            ),
            T(
                "Pleated Midi Skirt",
                35,
                119,
                "skirt,midi",
                "color",
                "Satin/Knit",
                "an elastic waistband;soft knife pleats;a swingy hem",
                "work;weekends",
                "W",
            ),
            T(
                "High-Waisted Leggings",
                25,
                98,
                "leggings,activewear,yoga",
                "color",
                "Buttery-Soft/Pocketed/Seamless",
                "four-way stretch;a squat-proof fabric;side pockets",
                "yoga;errands;lounging",
                "W",
            ),
            T(
                "Jogger Pants",
                29,
                89,
                "joggers,pants,loungewear",
                "color",
                "Tech/Fleece/Tapered",
                "a drawstring waist;zip pockets;cuffed ankles",
                "travel;lounging;errands",
            ),
            T(
                "Cargo Shorts",
                25,
                69,
                "shorts,cargo,summer",
                "color",
                "Ripstop/Stretch",
                "six pockets;a quick-dry fabric;a gusseted crotch",
                "summer hikes;weekends",
                "M",
            ),
            T(
                "Pique Polo Shirt",
                25,
                79,
                "polo,shirt",
                "color",
                "Performance/Classic",
                "a breathable cotton pique;a two-button placket;a ribbed collar",
                "golf;casual Fridays",
            ),
            T(
                "Cable-Knit Cardigan",
                45,
                149,
                "cardigan,knitwear,sweater",
                "color",
                "Chunky/Cotton/Cashmere-Blend",
                "horn-style buttons;patch pockets;a cozy cable knit",
                "layering;autumn",
            ),
            T(
                "Wool Peacoat",
                119,
                349,
                "peacoat,wool,outerwear",
                "color",
                "Double-Breasted/Classic",
                "a warm wool blend;a quilted lining;a notch collar",
                "winter commutes;formal outings",
            ),
            T(
                "Flannel Shirt",
                29,
                79,
                "flannel,shirt,plaid",
                "color",
                "Brushed/Heavyweight",
                "double-brushed cotton flannel;a classic plaid;chest pockets",
                "autumn weekends",
            ),
            T(
                "Thermal Base Layer Top",
                25,
                99,
                "base layer,thermal,merino",
                "color",
                "Merino/Midweight/Waffle-Knit",
                "moisture-wicking fabric;flatlock seams;odor resistance",
                "skiing;winter hikes",
            ),
            T(
                "Puffer Vest",
                49,
                159,
                "vest,puffer,outerwear",
                "color",
                "Quilted/Recycled",
                "recycled synthetic insulation;zip hand pockets;a stand collar",
                "layering;fall walks",
            ),
            T(
                "Pajama Set",
                29,
                99,
                "pajamas,sleepwear,loungewear",
                "color",
                "Flannel/Modal/Silk-Satin",
                "a breathable modal blend;piped trim;an elastic waist",
                "sleep;lazy mornings",
            ),
            T(
                "Knit Beanie",
                12,
                39,
                "beanie,hat,winter",
                "color",
                "Ribbed/Merino/Cuffed",
                "a warm rib knit;a fold-up cuff;a soft fleece lining",
                "winter;ski trips",
                "U",
            ),
            T(
                "Crew Socks",
                12,
                39,
                "socks,basics",
                "pack:3/6",
                "Wool-Blend/Cushioned/Athletic",
                "a cushioned sole;arch support;reinforced heels and toes",
                "everyday wear;hiking",
                "U",
            ),
            T(
                "Leather Belt",
                19,
                69,
                "belt,leather,accessories",
                "color",
                "Full-Grain/Reversible",
                "full-grain leather;a brushed metal buckle;a stitched edge",
                "the office;jeans",
            ),
            T(
                "Touchscreen Winter Gloves",
                15,
                59,
                "gloves,winter,accessories",
                "color",
                "Fleece-Lined/Knit/Insulated",
                "touchscreen fingertips;a silicone grip;a fleece lining",
                "cold commutes",
                "U",
            ),
            T(
                "Trench Coat",
                99,
                299,
                "trench coat,outerwear",
                "color",
                "Classic/Belted/Water-Repellent",
                "a water-repellent cotton gabardine;a storm flap;a removable belt",
                "spring showers;the office",
            ),
            T(
                "Rain Jacket",
                29,
                69,
                "rain jacket,outerwear,kids",
                "color",
                "Lined/Reflective",
                "reflective trim;a fleece lining;an easy-grip zipper",
                "school days;puddles",
                "K",
            ),
        ],
    },
    "Shoes": {
        "weight": 0.95,
        "line_p": 0.45,
        "model_p": 0.0,
        "genders": "MW",
        "colors": [
            "Black",
            "Triple White",
            "Tan",
            "Cognac",
            "Navy",
            "Stone Grey",
            "Olive",
            "Chocolate Brown",
            "Coral",
            "Sand",
        ],
        "uses": ["all-day wear", "walking", "travel", "the office", "weekends"],
        "extras": [
            "True to size; wide widths available.",
            "Free exchanges on sizes.",
            "Resoleable construction.",
            "Vegan materials throughout.",
        ],
        "types": [
            T(
                "Road Running Shoes",
                69,
                189,
                "running shoes,running,sneakers",
                "color",
                "Cushioned/Lightweight/Stability/Carbon-Plated",
                "a responsive foam midsole;a breathable engineered mesh upper;a durable rubber outsole",
                "daily training;race day",
            ),
            T(
                "Leather Chelsea Boots",
                89,
                279,
                "chelsea boots,boots,leather",
                "color",
                "Suede/Water-Resistant/Lug-Sole",
                "elastic side panels;pull tabs;a Goodyear-welted sole",
                "the office;evenings out",
            ),
            T(
                "Waterproof Hiking Boots",
                89,
                249,
                "hiking boots,boots,waterproof",
                "color",
                "Mid-Cut/Lightweight/Leather",
                "a waterproof breathable membrane;a grippy lugged outsole;ankle support",
                "rocky hikes;muddy paths",
            ),
            T(
                "Canvas Low-Top Sneakers",
                35,
                89,
                "sneakers,canvas,casual",
                "color",
                "Classic/Organic Cotton/Platform",
                "a vulcanized rubber sole;a cushioned insole;a washable canvas upper",
                "weekends;summer days",
            ),
            T(
                "Penny Loafers",
                59,
                199,
                "loafers,leather,slip-on",
                "color",
                "Suede/Leather/Driving",
                "a moc-toe construction;a cushioned footbed;a flexible sole",
                "the office;travel",
            ),
            T(
                "Suede Desert Boots",
                79,
                179,
                "desert boots,boots,suede",
                "color",
                "Classic/Crepe-Sole",
                "a natural crepe sole;soft suede;a two-eyelet lace-up",
                "smart-casual outfits",
            ),
            T(
                "Memory Foam Slippers",
                19,
                69,
                "slippers,house shoes,cozy",
                "color",
                "Fleece-Lined/Moccasin/Slide",
                "a memory-foam footbed;an indoor-outdoor sole;a plush lining",
                "cozy evenings;mornings",
            ),
            T(
                "Sport Sandals",
                35,
                129,
                "sandals,summer,outdoor",
                "color",
                "Adjustable/Water-Ready",
                "quick-dry webbing straps;a contoured footbed;a sticky rubber sole",
                "river walks;summer travel",
            ),
            T(
                "Leather Oxford Dress Shoes",
                79,
                299,
                "oxfords,dress shoes,leather",
                "color",
                "Cap-Toe/Wingtip/Plain-Toe",
                "polished calfskin leather;a leather lining;a stacked heel",
                "weddings;the office",
                "M",
            ),
            T(
                "Ballet Flats",
                35,
                129,
                "flats,ballet flats",
                "color",
                "Leather/Knit/Pointed-Toe",
                "a padded footbed;a flexible sole;a foldable design",
                "the office;travel",
                "W",
            ),
            T(
                "Block Heel Pumps",
                49,
                179,
                "heels,pumps,dress shoes",
                "color",
                "Suede/Patent",
                "a stable 2.5-inch block heel;a cushioned insole;a pointed toe",
                "work;weddings",
                "W",
            ),
            T(
                "Ankle Boots",
                69,
                229,
                "ankle boots,boots",
                "color",
                "Heeled/Lug-Sole/Side-Zip",
                "an inside zipper;a stacked heel;a leather upper",
                "fall outfits",
                "W",
            ),
            T(
                "Insulated Snow Boots",
                69,
                229,
                "snow boots,boots,winter",
                "color",
                "Waterproof/Lace-Up/Pull-On",
                "200-gram insulation;a waterproof shell;a grippy winter outsole",
                "snowy commutes;winter walks",
            ),
            T(
                "Tennis Shoes",
                59,
                159,
                "tennis shoes,court,sports",
                "color",
                "All-Court/Clay-Court/Lightweight",
                "lateral support;a durable toe guard;a herringbone outsole",
                "tennis;pickleball",
            ),
            T(
                "Walking Shoes",
                49,
                149,
                "walking shoes,comfort,sneakers",
                "color",
                "Slip-Resistant/Wide-Fit/Cushioned",
                "a supportive footbed;a slip-resistant outsole;a roomy toe box",
                "long walks;standing all day",
            ),
            T(
                "Basketball Shoes",
                69,
                199,
                "basketball shoes,basketball,sneakers",
                "color",
                "High-Top/Low-Top",
                "responsive cushioning;ankle support;a multidirectional traction pattern",
                "pickup games;indoor courts",
            ),
            T(
                "Cross-Training Shoes",
                59,
                149,
                "training shoes,gym,sneakers",
                "color",
                "Flat-Sole/Stable",
                "a flat stable heel;a rope-climb guard;a breathable upper",
                "lifting;HIIT classes",
            ),
            T(
                "Slide Sandals",
                19,
                69,
                "slides,sandals,summer",
                "color",
                "Cushioned/Recovery",
                "a soft recovery foam;a contoured footbed;a water-friendly build",
                "post-workout;the pool",
            ),
            T(
                "Boat Shoes",
                49,
                129,
                "boat shoes,leather,summer",
                "color",
                "Leather/Canvas",
                "a siped non-marking sole;rawhide laces;a moc-toe upper",
                "summer weekends;sailing",
            ),
            T(
                "Rubber Rain Boots",
                35,
                129,
                "rain boots,boots,waterproof",
                "color",
                "Tall/Short/Chelsea",
                "a natural rubber shell;a removable insole;a pull tab",
                "rainy days;gardening",
            ),
            T(
                "Knit Sneakers",
                49,
                139,
                "sneakers,knit,casual",
                "color",
                "Slip-On/Recycled",
                "a sock-like knit upper;a machine-washable build;a light foam sole",
                "travel;everyday errands",
            ),
            T(
                "Steel-Toe Work Boots",
                89,
                229,
                "work boots,boots,safety",
                "color",
                "Waterproof/Insulated/Wedge-Sole",
                "a protective safety toe;an oil-resistant outsole;a padded collar",
                "job sites;long shifts",
            ),
            T(
                "Light-Up Sneakers",
                25,
                59,
                "sneakers,kids,light-up",
                "color",
                "Hook-and-Loop/Slip-On",
                "motion-activated LED soles;easy hook-and-loop straps;a durable toe cap",
                "school;playgrounds",
                "K",
            ),
            T(
                "Clipless Cycling Shoes",
                79,
                249,
                "cycling shoes,cycling,bike",
                "color",
                "Road/Mountain/Indoor",
                "a stiff nylon sole;a two-bolt cleat mount;BOA-style dials",
                "indoor cycling;road rides",
            ),
            T(
                "Platform Sneakers",
                49,
                129,
                "sneakers,platform,casual",
                "color",
                "Leather/Canvas",
                "a 1.5-inch platform;a padded collar;a clean leather upper",
                "everyday outfits",
                "W",
            ),
            T(
                "Garden Clogs",
                25,
                69,
                "clogs,slip-on,comfort",
                "color",
                "Cushioned/Waterproof",
                "a washable molded shell;a cushioned footbed;a heel strap",
                "gardening;quick errands",
                "U",
            ),
            T(
                "Approach Shoes",
                89,
                179,
                "approach shoes,climbing,hiking",
                "color",
                "Sticky-Rubber/Leather",
                "a sticky climbing-rubber outsole;a lace-to-toe fit;a protective rand",
                "scrambles;rocky approaches",
            ),
            T(
                "Flip-Flops",
                12,
                49,
                "flip-flops,sandals,beach",
                "color",
                "Arch-Support/Leather",
                "a supportive arch;a soft toe post;a grippy sole",
                "the beach;the pool",
            ),
        ],
    },
    "Beauty": {
        "weight": 0.95,
        "line_p": 0.2,
        "model_p": 0.0,
        "colors": ["Rosewood", "Berry Crush", "Nude Beige", "Coral Reef", "Classic Red", "Plum", "Mauve", "Peach"],
        "uses": ["daily routines", "sensitive skin", "travel kits", "evening routines", "dry or combination skin"],
        "extras": [
            "Cruelty-free and dermatologist-tested.",
            "Free of parabens and sulfates.",
            "Packaged in recyclable glass.",
            "Vegan formula.",
        ],
        "types": [
            T(
                "Hydrating Face Moisturizer",
                12,
                68,
                "moisturizer,skincare,hydrating",
                "opt:1.7 oz/2.5 oz",
                "Fragrance-Free/Oil-Free/Gel/SPF 30",
                "ceramides and squalane;a lightweight non-greasy finish;24-hour hydration",
                "dry skin;daily routines",
            ),
            T(
                "Vitamin C Serum",
                14,
                79,
                "serum,vitamin c,skincare",
                "opt:1 oz/2 oz",
                "Brightening/15%/Stabilized",
                "15% vitamin C;ferulic acid;a dropper bottle",
                "dull skin;morning routines",
            ),
            T(
                "Gentle Foaming Cleanser",
                9,
                39,
                "cleanser,face wash,skincare",
                "opt:5 oz/8 oz",
                "Fragrance-Free/pH-Balanced",
                "a low-foam gentle formula;glycerin;no stripping or tightness",
                "sensitive skin;twice-daily cleansing",
            ),
            T(
                "Mineral Sunscreen",
                12,
                49,
                "sunscreen,spf,skincare",
                "opt:SPF 30/SPF 50",
                "Tinted/Sheer/Water-Resistant",
                "non-nano zinc oxide;no white cast;80-minute water resistance",
                "outdoor days;daily protection",
            ),
            T(
                "Hyaluronic Acid Serum",
                12,
                59,
                "serum,hyaluronic acid,hydrating",
                "opt:1 oz/2 oz",
                "Plumping/Multi-Weight",
                "three weights of hyaluronic acid;panthenol;a fast-absorbing texture",
                "dehydrated skin;layering under moisturizer",
            ),
            T(
                "Retinol Night Cream",
                19,
                89,
                "retinol,night cream,anti-aging",
                "opt:1 oz/1.7 oz",
                "Encapsulated/Gentle",
                "slow-release encapsulated retinol;peptides;a soothing oat extract",
                "fine lines;evening routines",
            ),
            T(
                "Clay Face Mask",
                12,
                45,
                "face mask,clay,skincare",
                "opt:2 oz/4 oz",
                "Detoxifying/Pink/Charcoal",
                "kaolin and bentonite clays;a 10-minute treatment;a non-drying formula",
                "oily skin;weekly pampering",
            ),
            T(
                "Tinted Lip Balm",
                5,
                24,
                "lip balm,lips",
                "pack:2/3",
                "Moisturizing/SPF 15",
                "shea butter;a sheer tint;vitamin E",
                "everyday lips;winter",
            ),
            T(
                "Matte Liquid Lipstick",
                9,
                34,
                "lipstick,makeup,lips",
                "color",
                "Long-Wear/Transfer-Proof",
                "a weightless matte finish;12-hour wear;a precise doe-foot applicator",
                "all-day wear;nights out",
            ),
            T(
                "Volumizing Mascara",
                9,
                32,
                "mascara,makeup,eyes",
                "none",
                "Waterproof/Lengthening/Tubing",
                "a curved fiber brush;a smudge-proof formula;buildable volume",
                "everyday makeup;humid days",
            ),
            T(
                "Cream Blush",
                10,
                38,
                "blush,makeup,cheeks",
                "color",
                "Dewy/Buildable",
                "a blendable cream texture;a natural flush;a compact mirror",
                "quick makeup routines",
            ),
            T(
                "Eyeshadow Palette",
                15,
                65,
                "eyeshadow,makeup,eyes",
                "opt:9-Shade/12-Shade/18-Shade",
                "Neutral/Warm-Toned/Shimmer",
                "buttery mattes and shimmers;rich pigment;a slim travel case",
                "day and night looks",
            ),
            T(
                "Makeup Brush Set",
                15,
                79,
                "makeup brushes,tools",
                "opt:8-Piece/12-Piece",
                "Vegan/Travel",
                "soft synthetic bristles;weighted handles;a roll-up case",
                "flawless application",
            ),
            T(
                "Sulfate-Free Shampoo",
                9,
                42,
                "shampoo,haircare",
                "opt:12 oz/16 oz/32 oz",
                "Color-Safe/Volumizing/Clarifying",
                "a sulfate-free lather;rice protein;a light botanical scent",
                "color-treated hair;daily washing",
            ),
            T(
                "Repair Conditioner",
                9,
                42,
                "conditioner,haircare",
                "opt:12 oz/16 oz/32 oz",
                "Color-Safe/Deep-Conditioning/Lightweight",
                "argan oil;a detangling slip;heat protection",
                "dry or damaged hair",
            ),
            T(
                "Argan Hair Oil",
                12,
                48,
                "hair oil,haircare,argan",
                "opt:1.7 oz/3.4 oz",
                "Frizz-Control/Lightweight",
                "cold-pressed argan oil;a weightless finish;heat protection",
                "frizzy hair;finishing styles",
            ),
            T(
                "Ionic Hair Dryer",
                39,
                299,
                "hair dryer,styling,tools",
                "color",
                "Compact/Professional/Travel",
                "ionic frizz control;three heat settings;a concentrator nozzle",
                "fast blowouts;travel",
            ),
            T(
                "Ceramic Flat Iron",
                29,
                179,
                "flat iron,hair straightener,styling",
                "color",
                "1-inch/Titanium/Cordless",
                "floating ceramic plates;a 30-second heat-up;auto shut-off",
                "sleek styles;quick touch-ups",
            ),
            T(
                "Body Lotion",
                8,
                34,
                "body lotion,bodycare,moisturizer",
                "opt:8 oz/16 oz",
                "Unscented/Shea Butter/Oat",
                "shea butter and oat;a non-greasy finish;all-day moisture",
                "dry skin;after showers",
            ),
            T(
                "Body Wash",
                7,
                29,
                "body wash,bodycare,shower",
                "opt:16 oz/32 oz",
                "Eucalyptus/Sandalwood/Citrus",
                "a creamy coconut-based lather;essential oils;a pump bottle",
                "daily showers",
            ),
            T(
                "Eau de Parfum",
                29,
                189,
                "perfume,fragrance",
                "opt:1.7 oz/3.4 oz",
                "Amber/Citrus/Floral/Woody",
                "top notes of bergamot;a warm vanilla base;long-lasting wear",
                "evenings;gifting",
            ),
            T(
                "Nail Polish Set",
                12,
                45,
                "nail polish,nails",
                "pack:4/6",
                "Gel-Effect/Quick-Dry",
                "a chip-resistant gloss;a wide brush;a toxin-free formula",
                "at-home manicures",
            ),
            T(
                "Electric Toothbrush",
                25,
                199,
                "toothbrush,oral care",
                "color",
                "Sonic/Travel",
                "31,000 strokes per minute;a two-minute timer;a travel case",
                "cleaner teeth;sensitive gums",
            ),
            T(
                "Beard Oil",
                9,
                34,
                "beard oil,grooming,men",
                "opt:1 oz/2 oz",
                "Unscented/Cedarwood",
                "jojoba and argan oils;a glass dropper;a light cedar scent",
                "softer beards;daily grooming",
            ),
            T(
                "Sheet Mask Pack",
                9,
                35,
                "sheet mask,skincare,k-beauty",
                "pack:5/10",
                "Hydrating/Calming/Brightening",
                "a biodegradable cellulose sheet;an essence-soaked formula;snail-free ingredients",
                "self-care nights;before events",
            ),
            T(
                "Exfoliating Body Scrub",
                9,
                39,
                "body scrub,exfoliating,bodycare",
                "opt:8 oz/12 oz",
                "Sugar/Coffee/Sea Salt",
                "fine sugar crystals;cold-pressed oils;a resealable jar",
                "smooth skin;weekly rituals",
            ),
            T(
                "Dry Shampoo",
                7,
                29,
                "dry shampoo,haircare",
                "opt:4 oz/6 oz",
                "Invisible/Volumizing",
                "rice starch;no white residue;a fresh scent",
                "second-day hair;the gym",
            ),
        ],
    },
    "Toys": {
        "weight": 0.95,
        "line_p": 0.15,
        "model_p": 0.0,
        "colors": ["Rainbow", "Pastel", "Primary Colors", "Ocean Blue", "Sunny Yellow", "Berry Pink", "Mint Green"],
        "uses": ["toddlers and preschoolers", "family game night", "screen-free play", "birthday gifts", "rainy days"],
        "extras": [
            "Recommended for ages 3 and up.",
            "Recommended for ages 6 and up.",
            "Meets ASTM F963 toy safety standards.",
            "Batteries not included.",
        ],
        "types": [
            T(
                "Wooden Building Blocks",
                19,
                79,
                "blocks,wooden toys,building",
                "opt:50-Piece/100-Piece",
                "Natural/Painted",
                "sustainably harvested beech wood;non-toxic water-based paint;a canvas storage bag",
                "toddlers;open-ended play",
            ),
            T(
                "Magnetic Tiles Set",
                29,
                119,
                "magnetic tiles,building,stem",
                "opt:60-Piece/100-Piece",
                "Translucent/Starter",
                "strong rare-earth magnets;translucent colored tiles;ultrasonically welded edges",
                "STEM play;creative building",
            ),
            T(
                "Jigsaw Puzzle",
                12,
                35,
                "puzzle,jigsaw,family",
                "opt:500-Piece/1000-Piece",
                "Landscape/Illustrated/Glow-in-the-Dark",
                "thick recycled board;a poster for reference;snug-fitting pieces",
                "quiet evenings;family time",
            ),
            T(
                "Remote Control Car",
                29,
                129,
                "rc car,remote control",
                "color",
                "Off-Road/Rechargeable/Stunt",
                "a 2.4 GHz controller;all-terrain tires;two rechargeable batteries",
                "backyard races;older kids",
            ),
            T(
                "Plush Teddy Bear",
                12,
                49,
                "plush,teddy bear,stuffed animal",
                "color",
                "Classic/Jumbo/Weighted",
                "super-soft plush;embroidered eyes;a machine-washable body",
                "bedtime cuddles;newborn gifts",
            ),
            T(
                "Wooden Dollhouse",
                69,
                249,
                "dollhouse,pretend play,wooden toys",
                "none",
                "Three-Story/Furnished",
                "three floors of rooms;a working elevator;18 pieces of furniture",
                "imaginative play",
            ),
            T(
                "Strategy Board Game",
                19,
                69,
                "board game,strategy,family",
                "none",
                "Cooperative/Family/Tile-Laying",
                "45-minute play time;2 to 5 players;easy-to-learn rules",
                "family game night;game groups",
            ),
            T(
                "Party Card Game",
                9,
                29,
                "card game,party game,family",
                "none",
                "Fast-Paced/Family/Word",
                "300 cards;quick rounds;2 to 8 players",
                "parties;travel",
            ),
            T(
                "STEM Robotics Kit",
                39,
                149,
                "robotics,stem,coding",
                "none",
                "Programmable/Solar",
                "snap-together parts;app-based block coding;12 robot builds",
                "budding engineers;ages 8 and up",
            ),
            T(
                "Play Kitchen Set",
                59,
                199,
                "play kitchen,pretend play",
                "none",
                "Wooden/Compact",
                "clicking stove knobs;a play sink and faucet;pretend pots and pans",
                "pretend play;toddlers",
            ),
            T(
                "Art Supplies Kit",
                15,
                59,
                "art supplies,crafts,drawing",
                "opt:80-Piece/150-Piece",
                "Deluxe/Travel",
                "crayons, markers and watercolors;a sketch pad;a carry case",
                "young artists;road trips",
            ),
            T(
                "Modeling Clay Set",
                9,
                35,
                "clay,crafts,sensory",
                "pack:12/24",
                "Air-Dry/Non-Toxic",
                "soft non-toxic clay;sculpting tools;a resealable tub",
                "crafty kids;sensory play",
            ),
            T(
                "Wooden Toy Train Set",
                29,
                119,
                "train set,wooden toys",
                "opt:40-Piece/80-Piece",
                "Figure-Eight/Deluxe",
                "interlocking wooden tracks;magnetic cars;a bridge and tunnel",
                "toddlers;preschoolers",
            ),
            T(
                "Marble Run",
                19,
                79,
                "marble run,stem,building",
                "opt:80-Piece/150-Piece",
                "Glow/Deluxe",
                "twisting tracks;funnels and spinners;50 glass marbles",
                "STEM play;cause-and-effect learning",
            ),
            T(
                "Kick Scooter",
                29,
                99,
                "scooter,ride-on,outdoor play",
                "color",
                "3-Wheel/Foldable",
                "light-up wheels;an adjustable handlebar;lean-to-steer control",
                "sidewalk adventures",
            ),
            T(
                "Balance Bike",
                49,
                149,
                "balance bike,ride-on,toddler",
                "color",
                "Lightweight/Wooden",
                "an adjustable seat;puncture-proof tires;a lightweight frame",
                "first rides",
            ),
            T(
                "Baby Stacking Toy",
                8,
                29,
                "stacking toy,baby,sensory",
                "color",
                "Silicone/Wooden",
                "food-grade silicone rings;rounded edges;a wobbly base",
                "babies;teething",
            ),
            T(
                "Science Experiment Kit",
                19,
                59,
                "science kit,stem,experiments",
                "none",
                "Chemistry/Crystal-Growing/Volcano",
                "30 safe experiments;an illustrated guide;goggles included",
                "curious kids;homeschooling",
            ),
            T(
                "Action Figure Set",
                15,
                59,
                "action figures,pretend play",
                "pack:3/5",
                "Poseable/Deluxe",
                "22 points of articulation;swappable accessories;a display stand",
                "storytelling play",
            ),
            T(
                "Fashion Doll",
                12,
                39,
                "doll,pretend play",
                "none",
                "Posable/Career",
                "a posable body;two outfits;brushable hair",
                "imaginative play",
            ),
            T(
                "Water Blaster",
                9,
                39,
                "water blaster,summer,outdoor play",
                "color",
                "Pump-Action/Long-Range",
                "a 30-foot range;a quick-fill tank;a comfortable grip",
                "summer backyards;pool parties",
            ),
            T(
                "Kite",
                12,
                49,
                "kite,outdoor play",
                "color",
                "Delta/Stunt/Diamond",
                "ripstop nylon sails;a 100-foot line;easy single-person launches",
                "windy days;the beach",
            ),
            T(
                "Toy Xylophone",
                15,
                45,
                "xylophone,musical toys,toddler",
                "none",
                "Wooden/Rainbow",
                "color-coded keys;two mallets;song cards",
                "little musicians",
            ),
            T(
                "Coding Robot",
                49,
                149,
                "coding robot,stem,robotics",
                "color",
                "Screen-Free/App-Controlled",
                "screen-free coding cards;line-following sensors;a rechargeable battery",
                "early coders;classrooms",
            ),
            T(
                "Construction Bricks Set",
                19,
                129,
                "building bricks,construction,building",
                "opt:300-Piece/750-Piece/1200-Piece",
                "City/Space/Castle",
                "compatible interlocking bricks;step-by-step instructions;minifigures",
                "builders;weekend projects",
            ),
            T(
                "Ride-On Truck",
                79,
                299,
                "ride-on,outdoor play",
                "color",
                "Electric/Push",
                "a 6V rechargeable battery;a parent remote;a working horn",
                "backyard cruising",
            ),
            T(
                "Bubble Machine",
                12,
                39,
                "bubbles,outdoor play,party",
                "none",
                "Automatic/Portable",
                "500 bubbles per minute;a spill-proof tray;batteries or USB power",
                "parties;backyard fun",
            ),
            T(
                "Plush Dinosaur",
                12,
                45,
                "plush,dinosaur,stuffed animal",
                "color",
                "Jumbo/Cuddly",
                "super-soft minky fabric;sewn-on details;a surface-washable body",
                "dino fans;bedtime",
            ),
        ],
    },
    "Sports": {
        "weight": 1.0,
        "line_p": 0.3,
        "model_p": 0.0,
        "colors": ["Black", "Cobalt Blue", "Neon Green", "Charcoal", "Crimson", "Teal", "Orange"],
        "uses": ["home workouts", "the gym", "training sessions", "weekend games", "beginners and pros alike"],
        "extras": [
            "Backed by a 1-year warranty.",
            "Includes a quick-start workout guide.",
            "Made with recycled materials.",
            "Tested to commercial gym standards.",
        ],
        "types": [
            T(
                "Yoga Mat",
                19,
                119,
                "yoga mat,yoga,fitness",
                "color",
                "Non-Slip/Extra-Thick/Cork/Travel",
                "a 6 mm cushioned surface;a non-slip texture;alignment lines",
                "yoga;pilates;floor workouts",
            ),
            T(
                "Adjustable Dumbbells",
                99,
                449,
                "dumbbells,strength,home gym",
                "opt:25 lb/52 lb/90 lb",
                "Quick-Select/Compact",
                "a dial weight selector;a space-saving cradle;durable molded plates",
                "home gyms;strength training",
            ),
            T(
                "Resistance Bands Set",
                12,
                49,
                "resistance bands,strength,fitness",
                "pack:5/11",
                "Fabric/Loop/Tube",
                "five resistance levels;door anchors;padded handles",
                "travel workouts;rehab",
            ),
            T(
                "Kettlebell",
                19,
                99,
                "kettlebell,strength,home gym",
                "opt:15 lb/25 lb/35 lb/50 lb",
                "Cast Iron/Vinyl-Coated/Competition",
                "a wide flat base;a smooth handle;a chip-resistant coating",
                "swings;HIIT",
            ),
            T(
                "Foam Roller",
                12,
                49,
                "foam roller,recovery,mobility",
                "opt:12-inch/18-inch/36-inch",
                "High-Density/Textured/Vibrating",
                "a firm high-density core;a textured surface;a lightweight build",
                "recovery;mobility work",
            ),
            T(
                "Speed Jump Rope",
                9,
                35,
                "jump rope,cardio,fitness",
                "color",
                "Weighted/Adjustable",
                "ball-bearing handles;an adjustable cable;a tangle-free design",
                "cardio;boxing",
            ),
            T(
                "Doorway Pull-Up Bar",
                19,
                69,
                "pull-up bar,strength,home gym",
                "none",
                "No-Screw/Multi-Grip",
                "padded grips;a no-screw doorway mount;a 300 lb capacity",
                "upper-body training",
            ),
            T(
                "Indoor Exercise Bike",
                199,
                999,
                "exercise bike,cardio,cycling",
                "none",
                "Magnetic/Smart/Folding",
                "quiet magnetic resistance;a tablet holder;an adjustable seat",
                "home cardio;rainy days",
            ),
            T(
                "Folding Treadmill",
                299,
                1299,
                "treadmill,cardio,running",
                "none",
                "Compact/Incline/Under-Desk",
                "a 2.5 HP motor;12 preset programs;a space-saving fold",
                "home cardio;walking while working",
            ),
            T(
                "Indoor-Outdoor Basketball",
                15,
                69,
                "basketball,ball",
                "opt:Size 6/Size 7",
                "Composite Leather/Rubber",
                "a deep channel design;a soft-touch cover;consistent bounce",
                "driveway games;gyms",
            ),
            T(
                "Soccer Ball",
                12,
                59,
                "soccer ball,soccer,ball",
                "opt:Size 4/Size 5",
                "Match/Training",
                "thermally bonded panels;a butyl bladder;a true flight pattern",
                "practice;weekend matches",
            ),
            T(
                "Tennis Racket",
                39,
                229,
                "tennis racket,tennis",
                "none",
                "Graphite/Oversize/Junior",
                "a graphite frame;a comfortable grip;a generous sweet spot",
                "club players;beginners",
            ),
            T(
                "Pickleball Paddle Set",
                29,
                149,
                "pickleball,paddle,racket sports",
                "none",
                "Graphite/Fiberglass/Carbon",
                "a honeycomb polymer core;four balls;a carry bag",
                "doubles games;beginners",
            ),
            T(
                "Golf Balls",
                19,
                54,
                "golf balls,golf",
                "pack:12/24",
                "Tour/Distance/Soft-Feel",
                "a soft urethane cover;low driver spin;high visibility",
                "lower scores;practice",
            ),
            T(
                "Cycling Helmet",
                39,
                249,
                "helmet,cycling,safety",
                "color",
                "Road/MIPS-Style/Commuter",
                "an in-mold shell;a rotational impact liner;an integrated rear light",
                "road rides;commuting",
            ),
            T(
                "Swim Goggles",
                9,
                39,
                "goggles,swimming",
                "color",
                "Anti-Fog/Mirrored/Racing",
                "anti-fog lenses;UV protection;a split strap",
                "lap swimming;open water",
            ),
            T(
                "Gym Duffel Bag",
                25,
                99,
                "gym bag,duffel,bags",
                "color",
                "Water-Resistant/Convertible",
                "a ventilated shoe compartment;a wet pocket;a padded strap",
                "the gym;weekend trips",
            ),
            T(
                "Weightlifting Gloves",
                12,
                39,
                "lifting gloves,strength,gym",
                "color",
                "Padded/Wrist-Wrap",
                "padded palms;integrated wrist wraps;breathable mesh",
                "lifting;rowing",
            ),
            T(
                "Boxing Gloves",
                29,
                129,
                "boxing gloves,boxing,combat sports",
                "opt:12 oz/14 oz/16 oz",
                "Leather/Training/Sparring",
                "multi-layer foam padding;a secure hook-and-loop wrist strap;a moisture-wicking lining",
                "bag work;sparring",
            ),
            T(
                "Ab Roller Wheel",
                9,
                39,
                "ab roller,core,fitness",
                "none",
                "Dual/Wide-Grip",
                "a wide stable wheel;foam handles;a knee pad",
                "core workouts",
            ),
            T(
                "Adjustable Weight Bench",
                89,
                349,
                "weight bench,strength,home gym",
                "none",
                "Folding/Incline-Decline",
                "seven back positions;a 600 lb capacity;a leg hold-down",
                "dumbbell workouts;home gyms",
            ),
            T(
                "Baseball Glove",
                29,
                199,
                "baseball glove,baseball",
                "opt:11.5-inch/12-inch/12.75-inch",
                "Leather/Youth/Infield",
                "full-grain leather;a pre-oiled pocket;an adjustable wrist",
                "little league;rec softball",
            ),
            T(
                "Badminton Set",
                25,
                89,
                "badminton,backyard games",
                "none",
                "Portable/Family",
                "four rackets;a quick-setup net;nylon shuttlecocks",
                "backyard games;picnics",
            ),
            T(
                "Climbing Chalk Bag",
                12,
                39,
                "chalk bag,climbing",
                "color",
                "Bouldering/Belted",
                "a fleece-lined interior;a brush holder;a drawstring closure",
                "climbing gyms;bouldering",
            ),
            T(
                "Compression Knee Sleeve",
                12,
                39,
                "knee sleeve,recovery,support",
                "pack:1/2",
                "Neoprene/Knit",
                "graduated compression;silicone grip bands;a breathable knit",
                "running;squats",
            ),
            T(
                "Percussion Massage Gun",
                49,
                299,
                "massage gun,recovery",
                "color",
                "Mini/Quiet",
                "six attachment heads;five speed levels;a quiet brushless motor",
                "post-workout recovery",
            ),
            T(
                "Table Tennis Paddle",
                15,
                79,
                "table tennis,ping pong,paddle",
                "pack:2/4",
                "Professional/Recreational",
                "a five-ply blade;grippy rubber;a protective case",
                "rec rooms;club play",
            ),
        ],
    },
    "Home": {
        "weight": 1.05,
        "line_p": 0.2,
        "model_p": 0.1,
        "colors": [
            "Natural",
            "Charcoal",
            "Ivory",
            "Sage",
            "Terracotta",
            "Dusty Blue",
            "Oatmeal",
            "Walnut",
            "Slate",
            "Mustard",
        ],
        "uses": ["bedrooms", "living rooms", "small apartments", "cozy evenings", "home offices"],
        "extras": [
            "Free returns within 30 days.",
            "Assembly takes about 20 minutes.",
            "OEKO-TEX certified materials.",
            "Ships in plastic-free packaging.",
        ],
        "types": [
            T(
                "Linen Duvet Cover Set",
                79,
                299,
                "duvet cover,bedding,linen",
                "opt:Twin/Queen/King",
                "Stonewashed/Garment-Dyed",
                "stonewashed European linen;corner ties;two matching shams",
                "bedrooms;hot sleepers",
            ),
            T(
                "Cotton Sheet Set",
                39,
                199,
                "sheets,bedding,cotton",
                "opt:Twin/Full/Queen/King",
                "Percale/Sateen/Organic",
                "long-staple cotton;deep 16-inch pockets;a crisp finish",
                "cool, crisp sleep",
            ),
            T(
                "Memory Foam Pillow",
                25,
                99,
                "pillow,bedding,sleep",
                "opt:Standard/Queen/King",
                "Shredded/Cooling/Contour",
                "adjustable shredded memory foam;a cooling cover;a washable case",
                "side sleepers;neck support",
            ),
            T(
                "Weighted Blanket",
                49,
                199,
                "weighted blanket,bedding,sleep",
                "opt:12 lb/15 lb/20 lb",
                "Cooling/Knitted",
                "evenly distributed glass beads;a removable cover;quilted pockets",
                "deeper sleep;relaxing",
            ),
            T(
                "Knit Throw Blanket",
                25,
                99,
                "throw blanket,decor",
                "color",
                "Chunky/Waffle/Sherpa",
                "a soft cotton knit;tasseled edges;machine washability",
                "couch naps;reading nooks",
            ),
            T(
                "Blackout Curtains",
                19,
                89,
                "curtains,window,blackout",
                "opt:52x63 in/52x84 in/52x96 in",
                "Thermal/Linen-Look",
                "triple-weave blackout fabric;thermal insulation;grommet tops",
                "bedrooms;nurseries",
            ),
            T(
                "Area Rug",
                59,
                499,
                "rug,area rug,decor",
                "opt:5x7 ft/8x10 ft/9x12 ft",
                "Washable/Hand-Tufted/Vintage-Style",
                "a low-pile design;a non-slip backing;a stain-resistant finish",
                "living rooms;pet owners",
            ),
            T(
                "Ceramic Table Lamp",
                35,
                149,
                "table lamp,lighting,decor",
                "color",
                "Modern/Dimmable",
                "a linen drum shade;a glazed ceramic base;an in-line dimmer",
                "bedside tables;consoles",
            ),
            T(
                "Arc Floor Lamp",
                59,
                249,
                "floor lamp,lighting",
                "color",
                "Dimmable/Tripod",
                "a weighted marble base;a three-way switch;a warm LED bulb",
                "reading corners",
            ),
            T(
                "LED Desk Lamp",
                19,
                89,
                "desk lamp,lighting,office",
                "color",
                "Dimmable/Architect",
                "five color temperatures;a USB charging port;a flexible arm",
                "home offices;studying",
            ),
            T(
                "Scented Soy Candle",
                12,
                49,
                "candle,home fragrance,decor",
                "opt:8 oz/14 oz",
                "Cedar/Fig/Sea Salt/Lavender",
                "a clean-burning soy blend;a cotton wick;a 50-hour burn time",
                "relaxing evenings;gifts",
            ),
            T(
                "Essential Oil Diffuser",
                19,
                69,
                "diffuser,aromatherapy,home fragrance",
                "color",
                "Ultrasonic/Ceramic",
                "whisper-quiet ultrasonic mist;a 300 ml tank;auto shut-off",
                "bedrooms;yoga spaces",
            ),
            T(
                "Round Wall Mirror",
                39,
                199,
                "mirror,wall decor",
                "opt:24-inch/30-inch/36-inch",
                "Brass-Framed/Arched/Minimalist",
                "a shatter-resistant glass;a metal frame;hanging hardware included",
                "entryways;bathrooms",
            ),
            T(
                "Bath Towel Set",
                29,
                129,
                "towels,bath,linens",
                "opt:4-Piece/6-Piece",
                "Turkish Cotton/Waffle/Plush",
                "absorbent long-staple cotton;a quick-dry weave;double-stitched hems",
                "bathrooms;guest rooms",
            ),
            T(
                "Fabric Shower Curtain",
                15,
                59,
                "shower curtain,bathroom",
                "color",
                "Waffle/Linen-Look",
                "a water-repellent fabric;rust-proof grommets;a weighted hem",
                "bathrooms",
            ),
            T(
                "Woven Storage Baskets",
                19,
                69,
                "baskets,storage,organization",
                "pack:2/3",
                "Seagrass/Cotton Rope",
                "sturdy handles;a collapsible shape;a natural finish",
                "shelves;toy storage",
            ),
            T(
                "Ladder Bookshelf",
                59,
                249,
                "bookshelf,furniture,storage",
                "opt:4-Tier/5-Tier",
                "Oak-Finish/Industrial",
                "a leaning ladder design;anti-tip hardware;a steel frame",
                "small spaces;plants and books",
            ),
            T(
                "Ergonomic Office Chair",
                129,
                599,
                "office chair,furniture,ergonomics",
                "color",
                "Mesh/High-Back",
                "adjustable lumbar support;4D armrests;a breathable mesh back",
                "long work days;home offices",
            ),
            T(
                "Electric Standing Desk",
                199,
                699,
                "standing desk,furniture,office",
                "opt:48-inch/55-inch/63-inch",
                "Dual-Motor/Compact",
                "four height presets;a dual-motor lift;a cable tray",
                "home offices;better posture",
            ),
            T(
                "Cordless Stick Vacuum",
                99,
                499,
                "vacuum,cleaning",
                "none",
                "Lightweight/Pet Hair",
                "a 45-minute runtime;HEPA-grade filtration;a wall dock",
                "hard floors;pet hair",
            ),
            T(
                "HEPA Air Purifier",
                79,
                399,
                "air purifier,clean air",
                "none",
                "Quiet/Large-Room/Compact",
                "true HEPA filtration;an air quality sensor;a sleep mode",
                "allergies;bedrooms",
            ),
            T(
                "Cool-Mist Humidifier",
                29,
                129,
                "humidifier,clean air",
                "color",
                "Ultrasonic/Top-Fill",
                "a 4-liter tank;a night light;quiet ultrasonic output",
                "dry winters;nurseries",
            ),
            T(
                "Tower Fan",
                39,
                149,
                "fan,cooling",
                "none",
                "Oscillating/Bladeless/Quiet",
                "90-degree oscillation;a sleep timer;a remote control",
                "hot bedrooms;offices",
            ),
            T(
                "Silent Wall Clock",
                15,
                69,
                "wall clock,decor",
                "opt:10-inch/12-inch/16-inch",
                "Minimalist/Farmhouse",
                "a silent sweep movement;easy-read numerals;a wooden frame",
                "kitchens;offices",
            ),
            T(
                "Picture Frames",
                15,
                59,
                "picture frames,wall decor",
                "pack:3/6",
                "Gallery/Wood",
                "real glass fronts;wide mats;wall and tabletop hangers",
                "gallery walls",
            ),
            T(
                "Entryway Coat Rack",
                39,
                149,
                "coat rack,entryway,furniture",
                "color",
                "Freestanding/Wall-Mounted",
                "eight hooks;a bench shelf;a weighted base",
                "entryways",
            ),
            T(
                "Laundry Hamper",
                19,
                69,
                "hamper,laundry,storage",
                "color",
                "Double/Foldable",
                "a removable washable liner;handles;a lid",
                "bedrooms;laundry rooms",
            ),
            T(
                "Throw Pillow Covers",
                15,
                49,
                "pillow covers,decor",
                "pack:2/4",
                "Boucle/Linen/Velvet",
                "hidden zippers;a textured weave;a tailored fit",
                "couches;reading nooks",
            ),
            T(
                "Nightstand",
                59,
                249,
                "nightstand,furniture,bedroom",
                "color",
                "Two-Drawer/Mid-Century",
                "soft-close drawers;a cord cutout;solid wood legs",
                "bedrooms",
            ),
        ],
    },
    "Garden": {
        "weight": 0.9,
        "line_p": 0.1,
        "model_p": 0.1,
        "colors": ["Terracotta", "Matte White", "Slate Grey", "Sage Green", "Speckled Cream", "Charcoal"],
        "uses": ["backyard gardens", "balconies and patios", "raised beds", "weekend yard work"],
        "extras": [
            "Weather-resistant for year-round use.",
            "Backed by a 2-year warranty.",
            "Made with recycled materials.",
            "Pet-safe when used as directed.",
        ],
        "types": [
            T(
                "Raised Garden Bed",
                49,
                249,
                "raised bed,gardening,vegetables",
                "opt:4x2 ft/6x3 ft/8x4 ft",
                "Cedar/Galvanized Steel",
                "rot-resistant cedar;tool-free assembly;an open bottom for drainage",
                "vegetable gardens;herbs",
            ),
            T(
                "Expandable Garden Hose",
                19,
                89,
                "garden hose,watering",
                "opt:50 ft/75 ft/100 ft",
                "Kink-Free/Lightweight",
                "a kink-resistant design;brass fittings;a 10-pattern nozzle",
                "watering lawns;washing cars",
            ),
            T(
                "Hose Spray Nozzle",
                9,
                29,
                "hose nozzle,watering",
                "none",
                "Metal/Thumb-Control",
                "ten spray patterns;a comfortable thumb control;a rubberized grip",
                "watering plants",
            ),
            T(
                "Bypass Pruning Shears",
                12,
                59,
                "pruning shears,garden tools",
                "none",
                "Ergonomic/Titanium-Coated",
                "a sharp titanium-coated blade;a safety lock;cushioned grips",
                "roses;shrubs",
            ),
            T(
                "Garden Gloves",
                9,
                29,
                "gloves,gardening",
                "pack:2/3",
                "Breathable/Thorn-Proof",
                "nitrile-coated palms;breathable backs;snug knit cuffs",
                "weeding;planting",
            ),
            T(
                "Cordless Leaf Blower",
                69,
                249,
                "leaf blower,yard,power tools",
                "none",
                "Brushless/40V",
                "a brushless motor;a turbo button;a 40-minute battery",
                "autumn leaves;patios",
            ),
            T(
                "Electric Lawn Mower",
                199,
                599,
                "lawn mower,yard,power tools",
                "opt:16-inch/19-inch/21-inch",
                "Cordless/Self-Propelled/Mulching",
                "a steel deck;mulching and bagging;a push-button start",
                "small to mid-size lawns",
            ),
            T(
                "Cordless String Trimmer",
                59,
                199,
                "string trimmer,yard,power tools",
                "none",
                "20V/Lightweight",
                "an auto-feed spool;an edging mode;a telescoping shaft",
                "lawn edges;fence lines",
            ),
            T(
                "Compost Bin",
                39,
                149,
                "compost,gardening,sustainability",
                "none",
                "Tumbling/Stackable/Countertop",
                "dual chambers;aeration vents;a sliding door",
                "kitchen scraps;healthier soil",
            ),
            T(
                "Rain Barrel",
                69,
                179,
                "rain barrel,watering,sustainability",
                "opt:50 Gallon/65 Gallon",
                "Flat-Back/Decorative",
                "a brass spigot;an overflow valve;a mosquito-proof screen",
                "water-wise gardens",
            ),
            T(
                "Ceramic Planter",
                15,
                89,
                "planter,pots,indoor plants",
                "color",
                "Glazed/Footed/Self-Watering",
                "a drainage hole;a matching saucer;a glazed finish",
                "houseplants;patios",
            ),
            T(
                "Macrame Hanging Planter",
                9,
                35,
                "hanging planter,macrame,indoor plants",
                "pack:2/3",
                "Cotton/Boho",
                "handwoven cotton rope;ceiling hooks;room for 6-inch pots",
                "trailing plants;small spaces",
            ),
            T(
                "Seed Starter Kit",
                15,
                59,
                "seed starting,seeds,gardening",
                "opt:72-Cell/144-Cell",
                "Humidity-Dome/Self-Watering",
                "humidity domes;reusable trays;plant labels",
                "spring seedlings",
            ),
            T(
                "Heirloom Tomato Seeds",
                4,
                15,
                "seeds,tomatoes,heirloom",
                "pack:3/6",
                "Organic/Non-GMO",
                "open-pollinated heirloom varieties;high germination rates;planting guides",
                "vegetable gardens",
            ),
            T(
                "Wildflower Seed Mix",
                6,
                25,
                "seeds,wildflowers,pollinators",
                "opt:1 oz/4 oz",
                "Pollinator/Native",
                "21 native species;no fillers;coverage of 500 sq ft",
                "pollinator gardens;meadows",
            ),
            T(
                "Organic Potting Mix",
                9,
                35,
                "potting soil,soil,organic",
                "opt:8 Quart/16 Quart/25 Quart",
                "Indoor/Container",
                "peat-free coir;worm castings;slow-release nutrients",
                "containers;houseplants",
            ),
            T(
                "Organic Fertilizer",
                9,
                35,
                "fertilizer,plant food,organic",
                "opt:4 lb/8 lb",
                "All-Purpose/Tomato/Flower",
                "slow-release nutrients;beneficial microbes;OMRI-style organic inputs",
                "vegetables;flower beds",
            ),
            T(
                "Solar Path Lights",
                19,
                69,
                "solar lights,outdoor lighting",
                "pack:6/8/12",
                "Warm-White/Stainless",
                "auto dusk-to-dawn;weatherproof housings;no wiring",
                "walkways;garden borders",
            ),
            T(
                "Bird Feeder",
                15,
                69,
                "bird feeder,birds,wildlife",
                "none",
                "Squirrel-Proof/Window/Tube",
                "a weight-activated squirrel guard;six feeding ports;easy-clean design",
                "backyard birding",
            ),
            T(
                "Garden Kneeler and Seat",
                29,
                69,
                "kneeler,garden tools",
                "none",
                "Foldable",
                "a thick foam pad;flip-over seat mode;side tool pouches",
                "weeding;planting",
            ),
            T(
                "Wheelbarrow",
                69,
                199,
                "wheelbarrow,yard,garden tools",
                "none",
                "Dual-Wheel/Steel",
                "a flat-free tire;a 6 cubic foot tray;ergonomic handles",
                "mulch;soil;firewood",
            ),
            T(
                "Patio Umbrella",
                49,
                249,
                "umbrella,patio,shade",
                "color",
                "Tilting/Cantilever/Market",
                "UV-blocking fabric;a push-button tilt;a crank lift",
                "patios;poolside",
            ),
            T(
                "Outdoor String Lights",
                19,
                79,
                "string lights,outdoor lighting,patio",
                "opt:25 ft/48 ft/100 ft",
                "Edison-Style/Shatterproof",
                "shatterproof LED bulbs;weatherproof sockets;a dimmer",
                "patios;backyard parties",
            ),
            T(
                "Drip Irrigation Kit",
                25,
                89,
                "irrigation,watering",
                "none",
                "Automatic/Raised-Bed",
                "adjustable drippers;a programmable timer;100 feet of tubing",
                "raised beds;water savings",
            ),
            T(
                "Garden Trowel Set",
                12,
                45,
                "trowel,garden tools",
                "opt:3-Piece/5-Piece",
                "Stainless Steel/Ergonomic",
                "rust-proof stainless heads;depth markings;comfortable wood handles",
                "planting bulbs;transplanting",
            ),
            T(
                "Oscillating Sprinkler",
                15,
                49,
                "sprinkler,watering,lawn",
                "none",
                "Adjustable/Metal",
                "adjustable spray width;a heavy base;coverage up to 3,600 sq ft",
                "lawns",
            ),
            T(
                "LED Grow Light",
                19,
                129,
                "grow light,indoor plants",
                "none",
                "Full-Spectrum/Clip-On",
                "full-spectrum LEDs;an auto timer;adjustable gooseneck arms",
                "seedlings;herbs indoors",
            ),
            T(
                "Cordless Hedge Trimmer",
                59,
                179,
                "hedge trimmer,power tools,yard",
                "none",
                "20V/Dual-Action",
                "dual-action blades;a 22-inch cutting length;a rotating handle",
                "hedges;shrubs",
            ),
            T(
                "Teak Garden Bench",
                149,
                449,
                "bench,patio furniture,teak",
                "opt:4 ft/5 ft",
                "Classic/Backless",
                "solid grade-A teak;mortise-and-tenon joints;natural weather resistance",
                "gardens;porches",
            ),
        ],
    },
    "Grocery": {
        "weight": 0.95,
        "line_p": 0.0,
        "model_p": 0.0,
        "colors": [],
        "uses": ["breakfast", "the pantry", "snacking on the go", "home baking", "weeknight cooking"],
        "extras": [
            "Non-GMO.",
            "Packed in a facility that also handles tree nuts.",
            "Resealable pouch keeps it fresh.",
            "Sourced from family farms.",
        ],
        "types": [
            T(
                "Whole Bean Coffee",
                9,
                29,
                "coffee,whole bean,beverages",
                "opt:12 oz/2 lb",
                "Dark Roast/Medium Roast/Single-Origin/Organic",
                "notes of cocoa and cherry;small-batch roasting;fair-trade beans",
                "pour-over;drip;espresso-style brewing",
            ),
            T(
                "Ground Coffee",
                8,
                24,
                "coffee,ground coffee,beverages",
                "opt:12 oz/2 lb",
                "Breakfast Blend/Decaf/French Roast/Organic",
                "a medium grind;a smooth chocolatey finish;nitrogen-flushed freshness",
                "drip coffee makers",
            ),
            T(
                "Loose Leaf Green Tea",
                8,
                29,
                "tea,green tea,beverages",
                "opt:3 oz/8 oz",
                "Organic/Jasmine/Sencha",
                "whole-leaf tea;a grassy, sweet finish;a resealable tin",
                "afternoon tea",
            ),
            T(
                "Herbal Tea Bags",
                4,
                15,
                "tea,herbal tea,caffeine-free",
                "pack:20/40",
                "Chamomile/Peppermint/Ginger Turmeric",
                "caffeine-free botanicals;compostable tea bags;organic herbs",
                "bedtime;after meals",
            ),
            T(
                "Extra Virgin Olive Oil",
                9,
                39,
                "olive oil,cooking oil,pantry",
                "opt:500 ml/1 L/3 L",
                "Cold-Pressed/Single-Estate/Organic",
                "early-harvest olives;a peppery finish;a dark glass bottle",
                "salads;dipping bread;cooking",
            ),
            T(
                "Wildflower Honey",
                7,
                24,
                "honey,sweetener,pantry",
                "opt:12 oz/16 oz/32 oz",
                "Raw/Unfiltered/Organic",
                "raw unfiltered honey;local wildflower nectar;a squeeze bottle",
                "tea;toast;baking",
            ),
            T(
                "Rolled Oats",
                4,
                14,
                "oats,breakfast,whole grain",
                "opt:32 oz/48 oz",
                "Organic/Gluten-Free/Old-Fashioned",
                "whole-grain oats;a hearty texture;a resealable bag",
                "oatmeal;overnight oats;baking",
            ),
            T(
                "Granola",
                5,
                14,
                "granola,breakfast,snacks",
                "opt:11 oz/24 oz",
                "Maple Almond/Honey Pecan/Coconut Cashew",
                "big crunchy clusters;lightly sweetened;whole grains",
                "yogurt bowls;snacking",
            ),
            T(
                "Dark Chocolate Bar",
                3,
                19,
                "chocolate,snacks,sweets",
                "pack:1/4/12",
                "72% Cacao/Sea Salt/Almond",
                "single-origin cacao;a snappy temper;a fair-trade supply chain",
                "dessert;gifting",
            ),
            T(
                "Almond Butter",
                7,
                19,
                "almond butter,nut butter,spreads",
                "opt:12 oz/16 oz",
                "Creamy/Crunchy/Roasted",
                "dry-roasted almonds;no added sugar;no palm oil",
                "toast;smoothies",
            ),
            T(
                "Peanut Butter",
                4,
                12,
                "peanut butter,nut butter,spreads",
                "opt:16 oz/28 oz",
                "Creamy/Crunchy/Natural",
                "two ingredients;roasted peanuts;a hint of sea salt",
                "sandwiches;baking",
            ),
            T(
                "Basmati Rice",
                5,
                24,
                "rice,basmati,grains",
                "opt:2 lb/5 lb/10 lb",
                "Aged/Organic/Brown",
                "long, fluffy grains;an aromatic aroma;two-year aging",
                "curries;pilafs",
            ),
            T(
                "Bronze-Cut Spaghetti",
                3,
                12,
                "pasta,spaghetti,italian",
                "pack:1/4",
                "Organic/Whole Wheat/Durum Wheat",
                "bronze-die extrusion;slow drying;a rough sauce-gripping texture",
                "weeknight pasta",
            ),
            T(
                "Marinara Sauce",
                4,
                12,
                "pasta sauce,marinara,italian",
                "opt:24 oz/32 oz",
                "Organic/Roasted Garlic/Spicy",
                "vine-ripened tomatoes;olive oil and basil;no added sugar",
                "pasta nights;pizza",
            ),
            T(
                "Flaky Sea Salt",
                5,
                18,
                "salt,seasoning,pantry",
                "opt:8 oz/16 oz",
                "Smoked/Coarse",
                "hand-harvested crystals;a delicate crunch;a resealable tub",
                "finishing dishes;baking",
            ),
            T(
                "Whole Black Peppercorns",
                5,
                16,
                "pepper,spices,seasoning",
                "opt:4 oz/8 oz",
                "Tellicherry/Organic",
                "bold aromatic peppercorns;a grinder-ready size;fresh-packed jars",
                "everyday seasoning",
            ),
            T(
                "Pure Maple Syrup",
                9,
                29,
                "maple syrup,breakfast,sweetener",
                "opt:8 oz/16 oz/32 oz",
                "Grade A Amber/Dark Robust/Organic",
                "pure maple sap;no additives;a glass bottle",
                "pancakes;baking",
            ),
            T(
                "Trail Mix",
                5,
                16,
                "trail mix,snacks,nuts",
                "opt:10 oz/26 oz",
                "Mountain/Tropical/Dark Chocolate",
                "roasted nuts;dried fruit;dark chocolate chips",
                "hikes;snacking on the go",
            ),
            T(
                "Protein Bars",
                12,
                35,
                "protein bars,snacks,protein",
                "pack:12/24",
                "Chocolate Peanut/Lemon/Cookie Dough",
                "20 grams of protein;low sugar;gluten-free ingredients",
                "post-workout;busy days",
            ),
            T(
                "Sparkling Water",
                5,
                19,
                "sparkling water,beverages",
                "pack:8/12/24",
                "Lime/Grapefruit/Unflavored",
                "zero calories;natural fruit essence;crisp bubbles",
                "hydration;mixers",
            ),
            T(
                "Kombucha",
                3,
                29,
                "kombucha,beverages,fermented",
                "pack:1/6/12",
                "Ginger/Berry/Original",
                "live cultures;low sugar;raw and unpasteurized",
                "afternoon pick-me-ups",
            ),
            T(
                "Dried Mango Slices",
                4,
                14,
                "dried fruit,mango,snacks",
                "opt:6 oz/16 oz",
                "Unsweetened/Organic",
                "no added sugar;chewy thick slices;no sulfites",
                "lunchboxes;snacking",
            ),
            T(
                "Tricolor Quinoa",
                5,
                16,
                "quinoa,grains,gluten-free",
                "opt:16 oz/4 lb",
                "Organic/Pre-Rinsed",
                "pre-rinsed quinoa;complete protein;a nutty flavor",
                "grain bowls;salads",
            ),
            T(
                "Coconut Milk",
                2,
                24,
                "coconut milk,dairy-free,pantry",
                "pack:1/6",
                "Organic/Full-Fat/Light",
                "BPA-free cans;a creamy texture;no guar gum",
                "curries;smoothies",
            ),
            T(
                "Hot Sauce",
                4,
                14,
                "hot sauce,condiments,spicy",
                "opt:5 oz/10 oz",
                "Habanero/Chipotle/Green Chile",
                "fermented chiles;small-batch production;a bright, tangy heat",
                "tacos;eggs",
            ),
            T(
                "Spice Gift Set",
                19,
                59,
                "spices,seasoning,gift",
                "pack:6/12",
                "World Flavors/Grilling/Baking",
                "fresh-ground spices;magnetic tins;recipe cards",
                "home cooks;gifting",
            ),
            T(
                "Matcha Powder",
                14,
                39,
                "matcha,green tea,beverages",
                "opt:1 oz/3 oz",
                "Culinary-Grade/Organic/Stone-Ground",
                "stone-ground first-harvest leaves;vibrant color;a smooth umami taste",
                "lattes;baking",
            ),
            T(
                "Apple Cider Vinegar",
                3,
                12,
                "vinegar,apple cider vinegar,pantry",
                "opt:16 oz/32 oz",
                "Raw/Unfiltered/Organic",
                "the mother;raw unfiltered apples;a glass bottle",
                "dressings;pickling",
            ),
            T(
                "Popcorn Kernels",
                4,
                14,
                "popcorn,snacks,whole grain",
                "opt:2 lb/4 lb",
                "Butterfly/Mushroom/Heirloom",
                "whole-grain kernels;few unpopped kernels;a non-GMO crop",
                "movie nights",
            ),
            T(
                "Sourdough Crackers",
                3,
                9,
                "crackers,snacks,sourdough",
                "opt:5 oz/8 oz",
                "Rosemary/Sea Salt/Everything",
                "a naturally leavened dough;a crisp bite;simple ingredients",
                "cheese boards;snacking",
            ),
        ],
    },
}

# Categories that shoppers plausibly mix; taste clusters draw a second category from here.
RELATED = {
    "Electronics": ["Books", "Sports", "Home"],
    "Books": ["Toys", "Home", "Electronics", "Grocery"],
    "Kitchen": ["Grocery", "Home", "Garden"],
    "Outdoor": ["Sports", "Shoes", "Clothing"],
    "Clothing": ["Shoes", "Beauty", "Outdoor"],
    "Shoes": ["Clothing", "Sports", "Outdoor"],
    "Beauty": ["Clothing", "Home", "Grocery"],
    "Toys": ["Books", "Outdoor", "Sports"],
    "Sports": ["Shoes", "Outdoor", "Grocery"],
    "Home": ["Kitchen", "Garden", "Books"],
    "Garden": ["Home", "Outdoor", "Kitchen"],
    "Grocery": ["Kitchen", "Beauty", "Books"],
}

# Invented brand names: (name, categories, price tier 0=budget 1=mid 2=premium, product lines).
BRANDS = [
    ("Veltrix", ["Electronics"], 1, ["Pulse", "Nova", "Orbit"]),
    ("Lumora", ["Electronics"], 2, ["Halo", "Prism", "Aurora"]),
    ("Ohmwave", ["Electronics"], 0, ["Spark", "Volt", "Echo"]),
    ("Brightcell", ["Electronics", "Home"], 0, ["Flux", "Beam", "Glow"]),
    ("Sonarra", ["Electronics"], 2, ["Reverie", "Crest", "Tempo"]),
    ("Quillbrook Publishing", ["Books"], 1, []),
    ("Larkspur Press", ["Books"], 2, []),
    ("Tidewater Books", ["Books"], 0, []),
    ("Inkwell House", ["Books"], 1, []),
    ("Emberlight Editions", ["Books"], 1, []),
    ("Hearthwell", ["Kitchen"], 1, ["Heritage", "Everyday", "Forge"]),
    ("Copperleaf", ["Kitchen", "Home"], 2, ["Atelier", "Reserve", "Studio"]),
    ("Brevara", ["Kitchen"], 2, ["Barista", "Crema", "Ritual"]),
    ("Saltmarsh Kitchen", ["Kitchen"], 0, ["Basics", "Pantry", "Harbor"]),
    ("Ovenbird Co.", ["Kitchen"], 1, ["Bakehouse", "Hearth", "Morning"]),
    ("Cairnfield", ["Outdoor"], 1, ["Ridge", "Basecamp", "Scree"]),
    ("Tallpine Outfitters", ["Outdoor", "Clothing"], 1, ["Timberline", "Switchback", "Cirque"]),
    ("Summitra", ["Outdoor"], 2, ["Alpine", "Zenith", "Cornice"]),
    ("Fernhollow", ["Outdoor"], 0, ["Meadow", "Brook", "Glade"]),
    ("Driftstone", ["Outdoor", "Sports"], 1, ["Current", "Eddy", "Shoreline"]),
    ("Wrenwood", ["Clothing"], 1, ["Heritage", "Weekend"]),
    ("Threadline Co.", ["Clothing"], 0, ["Essentials", "Daily"]),
    ("Maple & Loom", ["Clothing", "Home"], 2, ["Atelier", "Woven"]),
    ("Softbark", ["Clothing"], 1, ["Lounge", "Cozy"]),
    ("Harbor Thread", ["Clothing"], 2, ["Mariner", "Coastal"]),
    ("Stridewell", ["Shoes"], 1, ["Glide", "Tempo", "Ridgeline"]),
    ("Paceforge", ["Shoes", "Sports"], 2, ["Apex", "Velocity", "Surge"]),
    ("Cobbleton", ["Shoes"], 2, ["Heritage", "Camden", "Foundry"]),
    ("Groundling", ["Shoes"], 0, ["Everyday", "Roam", "Puddle"]),
    ("Trekwise", ["Shoes", "Outdoor"], 1, ["Summit", "Traverse", "Canyon"]),
    ("Petalume", ["Beauty"], 1, ["Bloom", "Velvet"]),
    ("Dewbloom", ["Beauty"], 2, ["Radiance", "Botanica"]),
    ("Silkroot", ["Beauty"], 1, ["Pure", "Calm"]),
    ("Aurelle Botanics", ["Beauty"], 2, ["Reserve", "Garden"]),
    ("Mirabay", ["Beauty"], 0, ["Glow", "Fresh"]),
    ("Pebblepop", ["Toys"], 0, ["Tiny Town", "Playtime"]),
    ("Wobblewood", ["Toys"], 1, ["Forest Friends", "Little Maker"]),
    ("Brightblock", ["Toys"], 1, ["Builder", "Galaxy"]),
    ("Tinker Otter", ["Toys"], 2, ["Lab", "Explorer"]),
    ("Starfable", ["Toys", "Books"], 1, ["Storytime", "Dreamers"]),
    ("Kinetra", ["Sports", "Clothing"], 1, ["Motion", "Flex", "Drive"]),
    ("Pacewell", ["Sports", "Shoes"], 0, ["Stride", "Sprint", "Endure"]),
    ("Ironfern", ["Sports"], 2, ["Forge", "Anvil", "Titan"]),
    ("Courtline", ["Sports"], 1, ["Rally", "Ace", "Baseline"]),
    ("Flexora", ["Sports"], 1, ["Balance", "Restore", "Core"]),
    ("Hollowbrook Home", ["Home"], 1, ["Cottage", "Hearth", "Linen Row"]),
    ("Lanternly", ["Home"], 1, ["Ember", "Dusk", "Aglow"]),
    ("Quietnest", ["Home"], 2, ["Orbit", "Serene", "Haven"]),
    ("Oakhaven", ["Home"], 2, ["Heirloom", "Grove", "Timber"]),
    ("Tidyhaus", ["Home"], 0, ["Simple", "Nook", "Stack"]),
    ("Greenfurrow", ["Garden"], 1, ["Harvest", "Sprout"]),
    ("Mossgate", ["Garden"], 2, ["Estate", "Cloister"]),
    ("Bloomwright", ["Garden", "Home"], 1, ["Atrium", "Blossom"]),
    ("Rootwell", ["Garden"], 0, ["Hardy", "Backyard"]),
    ("Sunpatch", ["Garden"], 0, ["Patio", "Glow"]),
    ("Honeyvale", ["Grocery"], 1, []),
    ("Grainfield Pantry", ["Grocery"], 0, []),
    ("Harvest Lantern", ["Grocery"], 1, []),
    ("Saltfern", ["Grocery", "Beauty"], 2, []),
    ("Orchard & Oak", ["Grocery"], 2, []),
]

# Fixed anchor products: item-00001.. in this order, identical for every seed. Each phrase in
# RESERVED appears in exactly one item (its anchor) across all titles and descriptions.
ANCHORS = [
    {
        "title": "Ohmwave K87 Mechanical Keyboard, Tactile Brown Switches",
        "category": "Electronics",
        "brand": "Ohmwave",
        "price": 89.99,
        "created_at": "2025-03-14T09:00:00Z",
        "tags": ["keyboard", "mechanical", "computer accessories", "electronics"],
        "description": "Tenkeyless mechanical keyboard with hot-swappable tactile switches, PBT "
        "keycaps and a detachable USB-C cable. Ideal for programmers, writers and "
        "gamers.",
    },
    {
        "title": "Brevara Dual-Boiler Espresso Machine, Stainless Steel",
        "category": "Kitchen",
        "brand": "Brevara",
        "price": 649.00,
        "created_at": "2024-10-02T14:30:00Z",
        "tags": ["espresso", "coffee", "appliances", "kitchen"],
        "description": "Dual-boiler espresso machine with a 58 mm portafilter, PID temperature "
        "control and a commercial-style steam wand. Pull cafe-quality shots and silky "
        "microfoam at home.",
    },
    {
        "title": "Stridewell Women's Ridgeline Trail Running Shoes, Moss Green",
        "category": "Shoes",
        "brand": "Stridewell",
        "price": 129.95,
        "created_at": "2025-06-01T08:15:00Z",
        "tags": ["running shoes", "trail running", "shoes"],
        "description": "Trail running shoes with aggressive 5 mm lugs, a rock plate and a "
        "water-resistant mesh upper. Built for muddy singletrack and long mountain "
        "runs.",
    },
    {
        "title": "Hearthwell Cast Iron Skillet 12-inch, Pre-Seasoned",
        "category": "Kitchen",
        "brand": "Hearthwell",
        "price": 34.99,
        "created_at": "2024-01-22T11:00:00Z",
        "tags": ["skillet", "cast iron", "cookware", "kitchen"],
        "description": "Cast iron skillet, pre-seasoned with vegetable oil and ready to use. Holds "
        "heat for perfect sears, cornbread and campfire cooking.",
    },
    {
        "title": "The Silent Harbor: A Mystery Novel",
        "category": "Books",
        "brand": "Tidewater Books",
        "price": 16.99,
        "created_at": "2025-09-09T10:00:00Z",
        "tags": ["books", "mystery", "paperback"],
        "description": "A fog-bound fishing town, a missing lighthouse keeper and a detective who "
        "cannot let the past rest. A slow-burning mystery by Mara Ellingsworth. "
        "Paperback, 352 pages.",
    },
    {
        "title": "Quietnest Orbit S7 Robot Vacuum with Self-Emptying Base",
        "category": "Home",
        "brand": "Quietnest",
        "price": 399.99,
        "created_at": "2025-11-20T16:45:00Z",
        "tags": ["vacuum", "robot vacuum", "smart home", "cleaning"],
        "description": "Robot vacuum with lidar mapping, no-go zones and a self-emptying base that "
        "holds 60 days of debris. Handles pet hair on carpets and hard floors.",
    },
    {
        "title": "Honeyvale Sourdough Starter Kit with Heirloom Culture",
        "category": "Grocery",
        "brand": "Honeyvale",
        "price": 24.50,
        "created_at": "2024-05-05T07:30:00Z",
        "tags": ["sourdough", "baking", "bread", "grocery"],
        "description": "Dehydrated heirloom sourdough starter with a glass jar, a flour sack and a "
        "step-by-step feeding guide. Bake your first naturally leavened loaf within a "
        "week.",
    },
    {
        "title": "Dewbloom Rosehip Facial Oil, 1 oz",
        "category": "Beauty",
        "brand": "Dewbloom",
        "price": 38.00,
        "created_at": "2025-02-17T12:00:00Z",
        "tags": ["face oil", "rosehip", "skincare", "beauty"],
        "description": "Cold-pressed rosehip facial oil rich in vitamins A and C. A few drops "
        "brighten and soften skin overnight.",
    },
]
RESERVED = [
    "Mechanical Keyboard",
    "Espresso Machine",
    "Trail Running Shoes",
    "Cast Iron Skillet",
    "Silent Harbor",
    "Robot Vacuum",
    "Sourdough Starter",
    "Rosehip",
]

# ---- Books -------------------------------------------------------------------------------------
B_ADJ = [
    "Silent",
    "Hollow",
    "Crimson",
    "Forgotten",
    "Last",
    "Iron",
    "Glass",
    "Winter",
    "Burning",
    "Quiet",
    "Broken",
    "Hidden",
    "Golden",
    "Distant",
    "Salt",
    "Midnight",
    "Paper",
    "Wild",
    "Northern",
    "Ashen",
    "Lost",
    "Painted",
    "Drowned",
    "Sleeping",
    "Copper",
    "Emerald",
    "Shattered",
    "Velvet",
    "Bitter",
    "Restless",
]
B_NOUN = [
    "Harbor",
    "Lighthouse",
    "Orchard",
    "Garden",
    "Archive",
    "River",
    "Station",
    "Crown",
    "Tide",
    "Mirror",
    "Map",
    "Key",
    "Bridge",
    "Letter",
    "Empire",
    "Compass",
    "Forest",
    "Signal",
    "Engine",
    "Frontier",
    "Island",
    "Cathedral",
    "Lantern",
    "Meridian",
    "Hour",
    "Witness",
    "Inheritance",
    "Season",
    "Shore",
    "Kingdom",
]
B_SCI = [
    "Star",
    "Orbit",
    "Colony",
    "Nebula",
    "Protocol",
    "Horizon",
    "Machine",
    "Singularity",
    "Drift",
    "Outpost",
    "Relay",
    "Ark",
]
B_PLACE = [
    "Ravenmoor",
    "Ashcombe",
    "Ellsworth Bay",
    "Kestrel Point",
    "Marrow Hill",
    "Saltcombe",
    "Thornbury",
    "Vellin",
    "Duskmere",
    "Larch Hollow",
    "Caldera Row",
    "Wrenfield",
    "Port Alder",
    "Greywater",
]
B_ANIMAL = ["Otter", "Little Fox", "Badger", "Hedgehog", "Mouse", "Owl", "Bear Cub", "Rabbit", "Penguin", "Tortoise"]
B_FIRST = [
    "Mara",
    "Julian",
    "Theo",
    "Ines",
    "Rowan",
    "Clara",
    "Felix",
    "Nadia",
    "Owen",
    "Priya",
    "Silas",
    "Hana",
    "Tobias",
    "Elena",
    "Marcus",
    "Lena",
    "Amara",
    "Declan",
    "Ivy",
    "Kai",
]
B_LAST = [
    "Ellingsworth",
    "Hartwell",
    "Okafor",
    "Lindqvist",
    "Marchetti",
    "Ashdown",
    "Castellan",
    "Whitlock",
    "Nakamura-Reyes",
    "Brennigan",
    "Solberg",
    "Devereux",
    "Quintero",
    "Halloran",
    "Vasquez-Moore",
    "Thackeray",
    "Ferrante",
    "Abernathy",
    "Kowalczyk",
    "Rhee",
]
B_TONE = [
    "gripping",
    "moving",
    "richly imagined",
    "sharp and funny",
    "quietly devastating",
    "page-turning",
    "warm-hearted",
    "atmospheric",
    "ambitious",
    "tender",
]


B_NF_TONE = [
    "A practical",
    "An accessible",
    "A beautifully designed",
    "A clear, friendly",
    "An inspiring",
    "A thorough",
]


def _genre(name, lo, hi, tags, kind, link, fiction, titles, plots):
    return {
        "name": name,
        "lo": lo,
        "hi": hi,
        "tags": tags.split(","),
        "kind": kind,
        "link": link,
        "fiction": fiction,
        "titles": titles,
        "plots": plots,
    }


BOOK_GENRES = [
    _genre(
        "Mystery",
        9,
        28,
        "mystery,crime,fiction",
        "mystery novel",
        "about",
        True,
        [
            "The {adj} {noun}: A Mystery Novel",
            "Murder at {place}: A Mystery",
            "The {noun} at {place}: A Detective Mystery",
        ],
        [
            "a detective who returns to {place} to solve a decades-old disappearance",
            "a retired archivist who finds a coded letter hidden in {place}'s library",
        ],
    ),
    _genre(
        "Thriller",
        9,
        29,
        "thriller,suspense,fiction",
        "thriller",
        "about",
        True,
        ["{adj} {noun}: A Thriller", "The {place} Protocol: A Thriller", "The {noun} Deception: A Thriller"],
        [
            "an analyst who uncovers a conspiracy reaching the highest offices",
            "a journalist racing to expose a cover-up before the election",
        ],
    ),
    _genre(
        "Science Fiction",
        10,
        30,
        "science fiction,sci-fi,fiction",
        "science fiction novel",
        "about",
        True,
        [
            "The {adj} {sci}: A Science Fiction Novel",
            "{sci} of {place}: Book {n} of the {place} Cycle",
            "Beyond the {adj} {sci}",
        ],
        [
            "the last crew of a generation ship deciding whether to wake its passengers",
            "a colony on a tidally locked world where the dawn never comes",
        ],
    ),
    _genre(
        "Fantasy",
        10,
        32,
        "fantasy,epic fantasy,fiction",
        "fantasy novel",
        "about",
        True,
        [
            "The {noun} of {place}: Book {n} of the {adj} Crown",
            "The {adj} {noun}",
            "A Song for {place}: A Fantasy Novel",
        ],
        [
            "a mapmaker's apprentice who can redraw borders with a single line of ink",
            "an exiled heir who must bargain with the spirits of {place}",
        ],
    ),
    _genre(
        "Romance",
        8,
        22,
        "romance,love story,fiction",
        "romance",
        "about",
        True,
        ["Summer at {place}: A Romance", "The {adj} {noun}: A Love Story", "Second Chances at {place}"],
        [
            "a bakery owner and a rival chef thrown together by a town festival in {place}",
            "two strangers who keep meeting on the night train to {place}",
        ],
    ),
    _genre(
        "Historical Fiction",
        10,
        30,
        "historical fiction,fiction",
        "historical novel",
        "about",
        True,
        [
            "The Clockmaker's Daughter of {place}",
            "The {adj} {noun}: A Novel of the Great War",
            "The Lighthouse Keeper's {noun}",
        ],
        [
            "a seamstress who smuggles messages through occupied {place}",
            "three generations of a shipbuilding family in {place}",
        ],
    ),
    _genre(
        "Literary Fiction",
        11,
        30,
        "literary fiction,fiction",
        "novel",
        "about",
        True,
        ["The {adj} {noun}: A Novel", "What the {noun} Remembers", "A {season} in {place}"],
        ["a family gathering at {place} for one final summer", "a translator who begins to lose her native language"],
    ),
    _genre(
        "Horror",
        9,
        26,
        "horror,gothic,fiction",
        "horror novel",
        "about",
        True,
        ["The House on {place} Lane", "{adj} {noun}: A Horror Novel", "Do Not Open the {noun}"],
        [
            "a caretaker who hears voices in the empty halls of {place}",
            "a village where the tide brings back things that were buried",
        ],
    ),
    _genre(
        "Young Adult",
        9,
        22,
        "young adult,ya,fiction",
        "young adult novel",
        "about",
        True,
        ["The {adj} {noun}: A Young Adult Novel", "We Were the {adj} Ones", "Everything After {place}"],
        [
            "a teenager who discovers her town's founding legend is true",
            "four friends on a road trip to {place} the summer after graduation",
        ],
    ),
    _genre(
        "Children's Picture Book",
        6,
        19,
        "picture book,children,kids",
        "picture book",
        "about",
        True,
        ["{animal} and the {adj} {noun}", "Goodnight, {place}", "{animal} Finds a {noun}"],
        [
            "a shy {animal_l} who learns that small voices matter",
            "a bedtime journey through {place}, told in gentle rhymes",
        ],
    ),
    _genre(
        "Graphic Novel",
        12,
        29,
        "graphic novel,comics",
        "graphic novel",
        "about",
        True,
        ["The {adj} {noun}, Vol. {n}: A Graphic Novel", "{place}: A Graphic Novel"],
        [
            "a courier who delivers secrets across a flooded city",
            "a band of misfits defending {place} from a sky-borne armada",
        ],
    ),
    _genre(
        "Poetry",
        9,
        22,
        "poetry,poems",
        "poetry collection",
        "about",
        True,
        ["{adj} {noun}: Poems", "Notes from the {noun}: Poems", "Letters to {place}: Poems"],
        ["grief, gardens and the weather of a long marriage", "migration, language and the small rituals of home"],
    ),
    _genre(
        "Short Stories",
        10,
        24,
        "short stories,fiction,anthology",
        "story collection",
        "with",
        True,
        ["The {noun} and Other Stories", "{adj} Weather: Stories"],
        [
            "twelve stories set in the fading seaside town of {place}",
            "linked stories about strangers whose lives brush together on one winter night",
        ],
    ),
    _genre(
        "Cookbook",
        18,
        45,
        "cookbook,cooking,recipes",
        "cookbook",
        "of",
        False,
        ["The {adj} Kitchen: {n}0 Recipes for {food}", "{food}: A Cookbook", "Cooking from {place}: {food}"],
        [
            "{food_l}, with seasonal menus and step-by-step photos",
            "reliable recipes for {food_l} from a beloved neighborhood restaurant",
        ],
    ),
    _genre(
        "Biography",
        14,
        35,
        "biography,nonfiction",
        "biography",
        "tracing",
        False,
        ["{first} {last}: A Life in {field}", "The {adj} Years of {first} {last}"],
        [
            "the pioneering career of a visionary in {field_l}",
            "the rise and reinvention of a self-taught master of {field_l}",
        ],
    ),
    _genre(
        "Memoir",
        12,
        30,
        "memoir,nonfiction",
        "memoir",
        "about",
        False,
        ["{place} Summers: A Memoir", "The {noun} I Kept: A Memoir"],
        ["growing up above a family bakery in {place}", "leaving a city career to restore an old farmhouse"],
    ),
    _genre(
        "History",
        15,
        38,
        "history,nonfiction",
        "history",
        "of",
        False,
        ["The {noun} Wars: A History of {topic}", "{topic}: How It Changed the World"],
        ["how {topic_l} reshaped trade, politics and everyday life", "the overlooked people behind {topic_l}"],
    ),
    _genre(
        "Popular Science",
        14,
        32,
        "science,nonfiction,nature",
        "popular science book",
        "exploring",
        False,
        ["The Hidden Life of {thing}", "{thing} Explained: A Curious Guide", "What {thing} Know"],
        [
            "the surprising science of {thing_l}, told with wit and clarity",
            "what new research on {thing_l} reveals about our planet",
        ],
    ),
    _genre(
        "Self-Help",
        12,
        28,
        "self-help,personal growth,nonfiction",
        "self-help book",
        "offering",
        False,
        ["The {adj} Habit: {n} Steps to {goal}", "Small Changes: A Guide to {goal}"],
        [
            "practical routines for {goal_l}, grounded in behavioral research",
            "exercises and stories to help you build toward {goal_l}",
        ],
    ),
    _genre(
        "Business",
        15,
        35,
        "business,management,nonfiction",
        "business book",
        "offering",
        False,
        ["The {noun} Playbook: {biz}", "Leading from the {noun}: {biz}"],
        ["frameworks for {biz_l} from two decades of consulting", "case studies and checklists on {biz_l}"],
    ),
    _genre(
        "Programming",
        29,
        59,
        "programming,software,technology",
        "programming guide",
        "covering",
        False,
        ["Practical {lang}: A Hands-On Guide to {prog}", "{prog} with {lang}, {ed} Edition"],
        [
            "{prog_l} in {lang}, with runnable examples and exercises",
            "the fundamentals of {prog_l} in {lang} through hands-on projects",
        ],
    ),
    _genre(
        "Travel Guide",
        14,
        29,
        "travel guide,travel",
        "travel guide",
        "with",
        False,
        [
            "The Essential {region_t} Travel Guide {year}",
            "{region_t} on a Budget: {year} Edition",
            "Walking {region_t}: Routes and Rambles",
        ],
        [
            "itineraries, maps and local tips for exploring {region}",
            "insider advice on where to eat, stay and hike in {region}",
        ],
    ),
    _genre(
        "Gardening",
        14,
        32,
        "gardening,nonfiction,plants",
        "gardening guide",
        "covering",
        False,
        ["The {adj} Garden: A Guide to {garden}", "{garden}: A Month-by-Month Handbook"],
        [
            "{garden_l}, with planting calendars and troubleshooting tips",
            "{garden_l} for beginners and seasoned growers alike",
        ],
    ),
    _genre(
        "Health & Fitness",
        13,
        29,
        "fitness,health,nonfiction",
        "fitness guide",
        "with",
        False,
        ["{adj} Strength: A {n}-Week Training Plan", "Strong at Any Age: {fit}"],
        ["progressive workouts and advice on {fit_l}, no gym required", "evidence-based guidance on {fit_l}"],
    ),
    _genre(
        "Photography",
        19,
        45,
        "photography,art,nonfiction",
        "photography guide",
        "covering",
        False,
        ["Seeing Light: A Field Guide to {photo} Photography", "The {adj} Frame: {photo} Photography Essentials"],
        [
            "composition, light and editing for {photo_l} photographers",
            "assignments and critiques to sharpen your {photo_l} work",
        ],
    ),
    _genre(
        "Parenting",
        12,
        26,
        "parenting,family,nonfiction",
        "parenting guide",
        "with",
        False,
        ["The {adj} Parent: {parent}", "Raising Kind Kids: {parent}"],
        ["calm, practical advice on {parent_l}", "real-world scripts for {parent_l}"],
    ),
    _genre(
        "Philosophy",
        12,
        28,
        "philosophy,essays,nonfiction",
        "essay collection",
        "with",
        False,
        ["On {virtue}: Essays", "The {adj} Question: Essays on {virtue}"],
        [
            "short, luminous essays on {virtue_l} in an age of distraction",
            "reflections on how ancient thinkers can help us practice {virtue_l}",
        ],
    ),
    _genre(
        "Language Learning",
        14,
        35,
        "language learning,education",
        "language course",
        "with",
        False,
        ["Everyday {tongue}: A Beginner's Course", "{tongue} in {n}0 Days: A Practical Course"],
        [
            "conversational {tongue}, dialogues, drills and audio exercises",
            "the grammar and vocabulary travelers need to get by in {tongue}",
        ],
    ),
    _genre(
        "Puzzle Book",
        7,
        16,
        "puzzles,games,activity book",
        "puzzle book",
        "with",
        False,
        ["The Big Book of {puzzle}, Vol. {n}", "{n}00 {adj} {puzzle}"],
        [
            "hundreds of {puzzle_l} from easy to fiendish, with full solutions",
            "{puzzle_l} designed for coffee breaks and long flights",
        ],
    ),
]
B_SLOTS = {
    "food": [
        "Weeknight Dinners",
        "Plant-Based Cooking",
        "Sourdough Baking",
        "One-Pot Meals",
        "Slow Cooking",
        "Summer Grilling",
        "Soups and Stews",
        "Mediterranean Cooking",
    ],
    "field": ["Architecture", "Aviation", "Jazz", "Marine Biology", "Typography", "Mountaineering"],
    "topic": [
        "Salt",
        "the Spice Trade",
        "the Printing Press",
        "Lighthouses",
        "Clockmaking",
        "Maritime Trade",
        "Railways",
        "Paper",
    ],
    "thing": ["Fungi", "Octopuses", "Clouds", "Bees", "Soil", "Forests", "Rivers", "Crows"],
    "goal": [
        "Better Focus",
        "Calmer Mornings",
        "Lasting Change",
        "Financial Freedom",
        "Better Sleep",
        "Confident Decisions",
    ],
    "biz": [
        "Managing Remote Teams",
        "Scaling a Small Business",
        "Negotiation",
        "Product Strategy",
        "Hiring Well",
        "Pricing",
    ],
    "lang": ["Python", "Rust", "Go", "JavaScript", "SQL", "TypeScript", "Kotlin"],
    "prog": [
        "Data Analysis",
        "Web Services",
        "Systems Programming",
        "Machine Learning",
        "Testing",
        "Concurrency",
        "Search Engines",
    ],
    "region": [
        "Portugal",
        "Japan",
        "Iceland",
        "Patagonia",
        "the Scottish Highlands",
        "New Zealand",
        "Morocco",
        "Vietnam",
        "Norway",
        "the Dolomites",
    ],
    "garden": [
        "Growing Vegetables in Small Spaces",
        "Native Plants",
        "Container Gardening",
        "Composting",
        "Fruit Trees",
        "Herb Gardens",
    ],
    "fit": ["Mobility and Balance", "Kettlebell Basics", "Running Your First 10K", "Nutrition for Endurance"],
    "photo": ["Landscape", "Street", "Portrait", "Night Sky", "Wildlife"],
    "parent": ["Sleep, Tantrums and Teens", "Screen Time", "Sibling Rivalry", "Big Feelings"],
    "virtue": ["Attention", "Patience", "Solitude", "Wonder", "Doubt", "Friendship"],
    "tongue": ["Spanish", "Italian", "Japanese", "German", "Portuguese", "Korean"],
    "puzzle": ["Logic Puzzles", "Crossword Puzzles", "Sudoku", "Word Searches", "Cryptograms"],
    "season": ["Winter", "Summer", "Spring", "Autumn"],
    "ed": ["2nd", "3rd", "4th"],
    "year": ["2025", "2026"],
}

# ---- helpers -------------------------------------------------------------------------------


class Rand:
    """Thin deterministic wrapper over numpy's Generator for picking from Python lists."""

    def __init__(self, seed: int):
        self.g = np.random.default_rng(seed)

    def pick(self, seq):
        return seq[int(self.g.integers(len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.g.random() < p)

    def randint(self, lo: int, hi: int) -> int:  # inclusive bounds
        return int(self.g.integers(lo, hi + 1))

    def sample(self, seq, k):
        idx = self.g.choice(len(seq), size=min(k, len(seq)), replace=False)
        return [seq[int(i)] for i in idx]


def soft_lower(name: str) -> str:
    """Lower-case a product-type name for running text but keep acronyms (USB-C, LED, 4K)."""

    def part(p: str) -> str:
        if len(p) <= 1 or any(ch.isdigit() for ch in p) or (p.isupper() and len(p) >= 2):
            return p
        return p.lower()

    return " ".join("-".join(part(p) for p in word.split("-")) for word in name.split(" "))


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def nice_price(x: float) -> float:
    if x < 20:
        return round(max(1.0, np.floor(x)) + (0.99 if x % 1 > 0.5 else 0.49), 2)
    if x < 200:
        return round(np.floor(x) + (0.99 if int(x) % 3 else 0.95), 2)
    return round(np.round(x / 10) * 10 - (0.01 if int(x) % 4 else 0.0), 2)


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def has_reserved(text: str) -> bool:
    low = text.lower()
    return any(phrase.lower() in low for phrase in RESERVED)


# ---- catalogue -------------------------------------------------------------------------------


def variant_text(r: Rand, spec: str, colors: list[str]) -> tuple[str, str | None, float | None]:
    """Return (suffix for the title, extra tag or None, position of the option in 0..1 or None).

    Size and pack options are listed smallest first, so the position feeds the price.
    """
    if spec == "color" and colors:
        return f", {r.pick(colors)}", None, None
    if spec.startswith(("opt:", "pack:")):
        options = spec.split(":", 1)[1].split("/")
        idx = int(r.g.integers(len(options)))
        pos = idx / (len(options) - 1) if len(options) > 1 else None
        if spec.startswith("opt:"):
            return f", {options[idx]}", None, pos
        if options[idx] == "1":
            return "", None, pos
        return f", Pack of {options[idx]}", "multipack", pos
    return "", None, None


def make_product(r: Rand, cat: str, ptype: dict, brand: dict) -> dict:
    spec = CATEGORIES[cat]
    parts = []
    brand_in_title = cat in ("Electronics", "Shoes", "Beauty") or r.chance(0.85)
    if brand_in_title:
        parts.append(brand["name"])
        if brand["lines"] and r.chance(spec["line_p"]):
            parts.append(r.pick(brand["lines"]))
            if r.chance(spec["model_p"]):
                parts.append(f"{r.pick(list('AXSQMT'))}{r.randint(1, 9)}{r.pick(['', '0', '5'])}")
    genders = ptype["genders"] or spec.get("genders", "")
    gender = r.pick(list(genders)) if genders else "U"
    gender_word = {"M": "Men's", "W": "Women's", "K": "Kids'", "U": ""}[gender]
    if gender_word:
        parts.append(gender_word)
    mod = ""
    if ptype["mods"] and r.chance(0.7):
        mod = r.pick(ptype["mods"])
        if mod.lower() in ptype["name"].lower():
            mod = ""
    if mod:
        parts.append(mod)
    parts.append(ptype["name"])
    suffix, vtag, size_pos = variant_text(r, ptype["variant"], spec["colors"])
    title = " ".join(parts) + suffix

    # Description: 1-3 sentences built from the type's feature and use phrases.
    what = soft_lower(((mod + " ") if mod else "") + ptype["name"])
    if gender_word:
        what = f"{gender_word.lower()} {what}"
    feats = r.sample(ptype["feats"], 3) if ptype["feats"] else ["a thoughtful design", "quality materials"]
    form = r.randint(0, 2)
    if form == 0 or len(feats) < 3:
        s1 = f"{cap_first(what)} from {brand['name']} with {feats[0]} and {feats[1]}."
    elif form == 1:
        s1 = f"{cap_first(what)} with {feats[0]}, {feats[1]} and {feats[2]}."
    else:
        s1 = f"{brand['name']} {what} featuring {feats[0]} and {feats[1]}."
    sentences = [s1]
    if r.chance(0.8):
        use = r.pick(ptype["uses"] or spec["uses"])
        opener = r.pick(["Ideal for", "Great for", "Made for", "A dependable pick for"])
        sentences.append(f"{opener} {use}.")
    if r.chance(0.45):
        sentences.append(r.pick(spec["extras"]))

    tags = list(ptype["tags"][:3])
    if mod and len(mod) <= 14 and mod.replace("-", "").replace(" ", "").isalpha():
        tags.append(mod.lower())
    if vtag:
        tags.append(vtag)
    tags.append(cat.lower())
    if gender in "MWK" and genders:
        tags.append({"M": "men", "W": "women", "K": "kids"}[gender])
    tags = list(dict.fromkeys(tags))[:5]
    return {
        "title": title,
        "description": " ".join(sentences),
        "tags": tags,
        "_type": ptype["name"],
        "_mod": mod,
        "_size": size_pos,
    }


def make_book(r: Rand, genre: dict) -> dict:
    slots = {
        "adj": r.pick(B_ADJ),
        "noun": r.pick(B_NOUN),
        "sci": r.pick(B_SCI),
        "place": r.pick(B_PLACE),
        "animal": r.pick(B_ANIMAL),
        "first": r.pick(B_FIRST),
        "last": r.pick(B_LAST),
        "n": str(r.randint(2, 9)),
    }
    for key, values in B_SLOTS.items():
        slots[key] = r.pick(values)
    for key in list(slots):
        slots[key + "_l"] = slots[key].lower()
    slots["region_t"] = slots["region"].replace("the ", "The ", 1)
    template = r.pick(genre["titles"])
    title = template.format(**slots)
    label = genre["tags"][0]
    main = " ".join(
        w for w in _words(title.split(":")[0].replace(",", " ")) if w not in ("vol", "vol.") and not w.isdigit()
    )
    queries = [label, label] + ([main] if len(main.split()) <= 4 else [])
    for key in SUBJECT_SLOTS:
        if "{" + key in template:
            subject = slots[key].lower().removeprefix("the ")
            if len(subject.split()) <= 2:
                queries += [subject, f"{subject} {label}"]
    plot = r.pick(genre["plots"]).format(**slots)
    author = f"{r.pick(B_FIRST)} {r.pick(B_LAST)}"
    fmt = r.pick(["Paperback", "Paperback", "Hardcover", "Large Print"])
    if genre["fiction"]:
        tone = r.pick(B_TONE)
        opener = f"{'An' if tone[0] in 'aeiou' else 'A'} {tone}"
    else:
        opener = r.pick(B_NF_TONE)
    sentences = [f"{opener} {genre['kind']} {genre['link']} {plot}."]
    if r.chance(0.75):
        sentences.append(r.pick([f"Written by {author}.", f"By {author}.", f"From award-winning author {author}."]))
    if r.chance(0.6):
        sentences.append(f"{fmt}, {r.randint(12, 56) * 8} pages.")
    tags = ["books"] + genre["tags"][:2] + [fmt.lower()]
    return {
        "title": title,
        "description": " ".join(sentences),
        "tags": list(dict.fromkeys(tags))[:5],
        "_queries": queries,
    }


def build_catalog(r: Rand, n_items: int) -> list[dict]:
    start = int((END - timedelta(days=365 * CATALOG_YEARS)).timestamp())
    span = int(END.timestamp()) - start
    brands = [{"name": n, "cats": c, "tier": t, "lines": lines} for n, c, t, lines in BRANDS]
    by_name = {b["name"]: b for b in brands}
    cats = list(CATEGORIES)
    items: list[dict] = []
    seen: set[str] = set()
    for anchor in ANCHORS[:n_items]:
        row = dict(anchor)
        row["u"] = 0.5  # price position within its range (used for user price bands)
        items.append(row)
        seen.add(row["title"].lower())

    n_gen = max(0, n_items - len(items))
    weights = np.array([CATEGORIES[c]["weight"] for c in cats], dtype=float)
    raw = weights / weights.sum() * n_gen
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n_gen - counts.sum()]:
        counts[i] += 1

    generated: list[dict] = []
    for cat, count in zip(cats, counts, strict=True):
        cat_brands = [b for b in brands if cat in b["cats"]]
        kinds = BOOK_GENRES if cat == "Books" else CATEGORIES[cat]["types"]
        order = [int(i) for i in r.g.permutation(len(kinds))]
        for j in range(int(count)):
            kind = kinds[order[j % len(kinds)]]
            brand = r.pick(cat_brands)
            for _attempt in range(200):
                row = make_book(r, kind) if cat == "Books" else make_product(r, cat, kind, brand)
                key = row["title"].lower()
                if key not in seen and not has_reserved(row["title"] + " " + row["description"]):
                    break
            else:
                raise RuntimeError(f"could not make a unique title for {kind['name']}")
            seen.add(key)
            tier_lo, tier_hi = [(0.0, 0.45), (0.25, 0.75), (0.55, 1.0)][brand["tier"]]
            u = float(r.g.uniform(tier_lo, tier_hi))
            if row.get("_size") is not None:  # bigger sizes and packs cost more
                u = 0.4 * u + 0.6 * row["_size"]
            price = nice_price(kind["lo"] * (kind["hi"] / kind["lo"]) ** u)
            row.update(
                {
                    "category": cat,
                    "brand": brand["name"],
                    "price": price,
                    "u": u,
                    "created_at": iso(start + int(r.g.integers(span))),
                }
            )
            generated.append(row)
    for i in r.g.permutation(len(generated)):
        items.append(generated[int(i)])
    for idx, row in enumerate(items, start=1):
        row["id"] = f"item-{idx:05d}"
        assert row["brand"] in by_name and row["category"] in by_name[row["brand"]]["cats"], row
    return items


# ---- users & events --------------------------------------------------------------------------


def build_events(r: Rand, items: list[dict], n_users: int, truth: dict | None = None) -> list:
    """Simulate users and their events; `truth`, if given, receives each user's latent cluster."""
    cats = list(CATEGORIES)
    n = len(items)
    cat_of = np.array([cats.index(it["category"]) for it in items])
    brand_names = sorted({it["brand"] for it in items})
    brand_of = np.array([brand_names.index(it["brand"]) for it in items])
    price_u = np.array([it["u"] for it in items])
    # Latent item appeal: heavy-tailed (log-normal), anchors pinned to the 90th percentile.
    prior = np.exp(r.g.normal(0.0, 1.25, size=n))
    anchors = min(len(ANCHORS), n)
    prior[:anchors] = np.quantile(prior, 0.9)
    cat_items = [np.flatnonzero(cat_of == c) for c in range(len(cats))]
    cat_mass = np.array([prior[ix].sum() if len(ix) else 0.0 for ix in cat_items])
    cat_p = cat_mass / cat_mass.sum()
    explore = [(ix, prior[ix] / prior[ix].sum() if len(ix) else ix) for ix in cat_items]

    # Taste clusters: 1-2 categories, a subset of those items, two brands, a price band.
    n_clusters = max(1, min(N_CLUSTERS, n_users // 8))
    cat_order = [int(c) for c in r.g.permutation(len(cats))]
    clusters = []
    for k in range(n_clusters):
        home = cat_order[k % len(cats)]
        ccats = [home]
        if r.chance(0.85):
            ccats.append(cats.index(r.pick(RELATED[cats[home]])))
        member = np.zeros(n, dtype=bool)
        for c in ccats:
            ix = cat_items[c]
            member[ix[r.g.random(len(ix)) < MEMBER_SHARE]] = True
        pool = sorted({int(brand_of[i]) for c in ccats for i in cat_items[c]})
        cbrands = r.sample(pool, 2) if pool else []
        clusters.append({"cats": ccats, "member": member, "brands": cbrands, "price": r.pick([0.2, 0.5, 0.8])})
    cluster_weights = r.g.dirichlet(np.full(n_clusters, CLUSTER_SIZE_CONCENTRATION))

    # Per-user activity: log-normal, clipped to [10, 400], scaled to ~100 events per user.
    z = r.g.normal(0.0, 1.0, size=n_users)
    lo_s, hi_s = 1.0, 400.0
    for _ in range(60):
        mid = (lo_s + hi_s) / 2
        if np.clip(mid * np.exp(z), 10, 400).mean() < 100:
            lo_s = mid
        else:
            hi_s = mid
    targets = np.clip(lo_s * np.exp(z), 10, 400).astype(int)

    end_ts = int(END.timestamp())
    win_start = end_ts - EVENT_WINDOW_DAYS * 86400
    p_click = [0.14, 0.34, 0.48]
    p_like = [0.03, 0.14, 0.26]
    p_cart = [0.07, 0.22, 0.32]
    p_buy = [0.30, 0.45, 0.55]
    p_dislike = [0.20, 0.025, 0.008]
    rating_p = [[0.30, 0.30, 0.25, 0.10, 0.05], [0.0, 0.05, 0.20, 0.40, 0.35], [0.0, 0.0, 0.10, 0.35, 0.55]]

    events: list[tuple] = []
    for uidx in range(n_users):
        user = f"user-{uidx + 1:04d}"
        cluster_id = int(r.g.choice(n_clusters, p=cluster_weights))
        cl = clusters[cluster_id]
        if truth is not None:
            truth[user] = cluster_id
        fav = list(cl["cats"])
        if len(fav) < 3 and r.chance(0.35):
            extra = int(r.g.integers(len(cats)))
            if extra not in fav:
                fav.append(extra)
        fav = [c for c in fav if len(cat_items[c])] or [int(np.argmax(cat_mass))]
        fav_w = np.array([0.6] + [0.4 / (len(fav) - 1)] * (len(fav) - 1)) if len(fav) > 1 else np.array([1.0])
        fav_brands = list(cl["brands"])
        own_pool = sorted({int(brand_of[i]) for c in fav for i in cat_items[c]})
        if own_pool and r.chance(0.5):
            fav_brands.append(r.pick(own_pool))
        price_c = float(np.clip(cl["price"] + r.g.normal(0, 0.12), 0.05, 0.95))
        in_fav = np.isin(cat_of, fav)
        strong = in_fav & (cl["member"] | np.isin(brand_of, fav_brands))
        level = in_fav.astype(int) + strong.astype(int)
        taste = {}
        for c in fav:
            ix = cat_items[c]
            if not len(ix):
                continue
            w = (
                prior[ix] ** PRIOR_EXPONENT
                * (1 + MEMBER_BOOST * cl["member"][ix])
                * (1 + 2.0 * np.isin(brand_of[ix], fav_brands))
                * np.exp(-((price_u[ix] - price_c) ** 2) / (2 * 0.22**2))
            )
            taste[c] = (ix, w / w.sum())
        p_taste = float(r.g.uniform(0.75, 0.9))

        sessions = []
        total = 0
        while total < targets[uidx]:
            on_session = r.chance(p_taste)
            focus = fav[int(r.g.choice(len(fav), p=fav_w))]
            n_views = min(15, int(r.g.geometric(0.22)))
            seen_here: list[int] = []
            evs = []  # (offset seconds, type, item, value, query, position)
            t = 0
            for _ in range(n_views):
                for _try in range(5):
                    if r.chance(0.92 if on_session else 0.2):
                        ix, p = taste[focus]
                    else:  # exploration: any category, by popularity
                        ix, p = explore[int(r.g.choice(len(cats), p=cat_p))]
                    item = int(ix[r.g.choice(len(ix), p=p)])
                    if item not in seen_here:
                        break
                seen_here.append(item)
                lv = int(level[item])
                t += r.randint(20, 240)
                evs.append((t, "view", item, None, None, None))
                if r.chance(p_click[lv]):
                    t += r.randint(2, 40)
                    query = position = None
                    if r.chance(0.15):
                        query = make_query(r, items[item])
                        position = min(20, int(r.g.geometric(0.35 if lv else 0.18)))
                    evs.append((t, "click", item, None, query, position))
                    if r.chance(p_like[lv]):
                        t += r.randint(1, 20)
                        evs.append((t, "like", item, None, None, None))
                    bought = False
                    if r.chance(p_cart[lv]):
                        t += r.randint(10, 120)
                        evs.append((t, "add_to_cart", item, None, None, None))
                        if r.chance(p_buy[lv]):
                            t += r.randint(30, 600)
                            evs.append((t, "purchase", item, None, None, None))
                            bought = True
                    if r.chance(0.45 if bought else 0.04):
                        t += r.randint(5, 90)
                        value = int(r.g.choice(5, p=rating_p[lv])) + 1
                        evs.append((t, "rating", item, value, None, None))
                elif r.chance(p_dislike[lv]):
                    t += r.randint(1, 15)
                    evs.append((t, "dislike", item, None, None, None))
            sessions.append((t, evs))
            total += len(evs)

        # Spread sessions over the user's active span, one per slot so they never overlap.
        u_start = win_start + int(max(0.0, float(r.g.uniform(-0.5, 0.5))) * EVENT_WINDOW_DAYS * 86400)
        span = end_ts - 3600 - u_start
        slot = span // len(sessions)
        for j, (dur, evs) in enumerate(sessions):
            s0 = u_start + j * slot
            latest = s0 + slot - dur - 60
            assert latest >= s0, "session longer than its slot"
            begin = int(r.g.integers(s0, latest + 1))
            for seq, (off, kind, item, value, query, position) in enumerate(evs):
                events.append((begin + off, uidx, j, seq, user, kind, item, value, query, position))

    events.sort(key=lambda e: (e[0], e[1], e[2], e[3]))
    rows = []
    for k, (ts, _u, _j, _s, user, kind, item, value, query, position) in enumerate(events, 1):
        row = {
            "event_id": f"ev-{k:07d}",
            "user_id": user,
            "item_id": items[item]["id"],
            "type": kind,
            "timestamp": iso(ts),
        }
        if value is not None:
            row["value"] = value
        if query is not None:
            row["query"] = query
            row["position"] = position
        rows.append((ts, item, row))
    return rows


STOP = {"a", "an", "the", "of", "and", "for", "to", "in", "on", "at", "with", "from", "men's", "women's", "kids'"}
SUBJECT_SLOTS = (
    "place",
    "animal",
    "food",
    "field",
    "topic",
    "thing",
    "goal",
    "biz",
    "lang",
    "prog",
    "region",
    "garden",
    "fit",
    "photo",
    "parent",
    "virtue",
    "tongue",
    "puzzle",
)


def _words(text: str) -> list[str]:
    out = []
    for raw in text.split():
        word = raw.strip(",:().'").lower()
        if word and word not in STOP:
            out.append(word)
    return out


def make_query(r: Rand, item: dict) -> str:
    """A short query a shopper might type for this item, from words its text really contains."""
    if "_queries" in item:  # books: precomputed from the title's slots
        return r.pick(item["_queries"])
    head = item["tags"][0]
    options = [head]
    kind = item.get("_type")
    if kind:
        name = " ".join(_words(kind))
        if len(name.split()) <= 3:
            options += [name, name]
        mod = item.get("_mod", "")
        if mod and " " not in mod and len(head.split()) == 1:
            options.append(f"{mod.lower()} {head}")
    else:  # anchors
        core = [w for w in _words(item["title"].split(",")[0]) if w not in _words(item["brand"])]
        options.append(" ".join(core[-3:]))
    if item["title"].lower().startswith(item["brand"].lower()) and len(head.split()) == 1:
        options.append(f"{_words(item['brand'])[0]} {head}")
    return r.pick(options)


# ---- main ------------------------------------------------------------------------------------


def generate(seed: int, n_items: int, n_users: int) -> tuple[list[dict], list[dict]]:
    r = Rand(seed)
    items = build_catalog(r, n_items)
    ev = build_events(r, items, n_users)
    counts = np.zeros(len(items), dtype=int)
    first_seen: dict[int, int] = {}
    for ts, item, _row in ev:
        counts[item] += 1
        first_seen.setdefault(item, ts)
    catalog = []
    for idx, it in enumerate(items):
        created = it["created_at"]
        if idx in first_seen:
            # An item cannot be interacted with before it exists: move created_at earlier.
            limit = first_seen[idx] - 86400 * (1 + idx % 30)
            if datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp() > limit:
                created = iso(limit - (limit % 3600))
        catalog.append(
            {
                "id": it["id"],
                "title": it["title"],
                "description": it["description"],
                "category": it["category"],
                "brand": it["brand"],
                "tags": it["tags"],
                "price": float(it["price"]),
                "created_at": created,
                "popularity": int(counts[idx]),
                "image_url": None,
            }
        )
    return catalog, [row for _ts, _item, row in ev]


def check(catalog: list[dict], events: list[dict]) -> None:
    ids = {row["id"] for row in catalog}
    titles = [row["title"].lower() for row in catalog]
    assert len(ids) == len(catalog) and len(set(titles)) == len(titles), "duplicate ids/titles"
    for phrase in RESERVED:
        hits = [row["id"] for row in catalog if phrase.lower() in (row["title"] + " " + row["description"]).lower()]
        assert len(hits) <= 1, (phrase, hits)
    assert all(ev["item_id"] in ids for ev in events)
    stamps = [ev["timestamp"] for ev in events]
    assert stamps == sorted(stamps), "events not sorted"
    assert len({ev["event_id"] for ev in events}) == len(events)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=True, separators=(",", ":")) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args(argv)
    if args.items < 1 or args.users < 1:
        ap.error("--items and --users must be positive")
    catalog, events = generate(args.seed, args.items, args.users)
    check(catalog, events)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out_dir / "catalog.jsonl", catalog)
    write_jsonl(args.out_dir / "events.jsonl", events)
    sys.stdout.write(f"wrote {len(catalog)} items and {len(events)} events to {args.out_dir}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
