"""Places named in posts: the parser (parser.py), the list it knows (gazetteer.py, built from the district's
places of bot/domain/place_data.py), the morphology it uses (morph.py) and the lemmas of a post's words for the
surge rule (words.py)."""

from bot.domain.places.gazetteer import Gazetteer, KnownStreet, Settlement, gazetteer_of, seed_gazetteer
from bot.domain.places.morph import Morphology, default_morphology
from bot.domain.places.parser import Place, find_places
from bot.domain.places.words import lemmas, lemmas_in_order

__all__ = ["Gazetteer", "KnownStreet", "Morphology", "Place", "Settlement", "default_morphology", "find_places",
           "gazetteer_of", "lemmas", "lemmas_in_order", "seed_gazetteer"]
