"""A small bilingual news glossary: English and Spanish words for the same thing, so that
"arancel" and "tariff", "EE.UU." and "U.S.", "T-MEC" and "USMCA" count as shared words.

General news vocabulary and institutions only: never the names of a week's events or
people. Words are written folded (lower case, no accents); a trailing "*" takes every word
beginning so ("arancel*": arancel, aranceles, arancelario). Cognates that share their first
letters ("extradición"/"extradition") need no entry: features cut long words to a prefix.
"""

from __future__ import annotations

__all__ = ["PHRASES", "concept", "phrase_concepts"]

# concept -> words in either language
_GROUPS: dict[str, str] = {
    "tariff": "tariff* arancel* duties",
    "trade": "trade trades commerce comercio comercial comerciales",
    "agreement": "agreement* deal deals treaty treaties tratado* acuerd* pact pacts pacto*"
    " agree agrees agreed",
    "usmca": "usmca tmec tlcan nafta cusma",
    "us": "eeuu eua usa estadounidense* washington",
    "eu": "ue europe europa european europeo* europea*",
    "mexico": "mexic*",
    "canada": "canad*",
    "china": "china chinese chino chinos chinas",
    "brazil": "brazil* brasil*",
    "homicide": "homicid* murder* asesinato* killing killings",
    "kill": "kill kills killed asesina asesinan asesinado* asesinada* mata matan mato matar",
    "decrease": "decreas* declin* fall falls fell drop drops dropped cae caen cayo cayeron caida*"
    " baja bajan bajaron disminu* reduc* descens* desciend* lower lowest",
    "increase": "increas* rise rises rose surge* aument* alza sube suben subio crece crecen"
    " crecio grow grows grew incremen* higher highest",
    "arrest": "arrest* detien* detenid* detencion* detuv* captur* aprehen* apprehen*",
    "sanction": "sanction* sancion*",
    "terrorist": "terror*",
    "designate": "designa* designat*",
    "cartel": "cartel* cartels",
    "drug": "drug drugs droga* narco* narcotic*",
    "fentanyl": "fentan*",
    "border": "border* frontera* fronteriz*",
    "migrant": "migra* inmigra* immigra* emigra*",
    "deport": "deport deports deported deporting deportation* deporta deportan deportad*"
    " deportacion*",
    "security": "securi* segurid*",
    "violence": "violen*",
    "military": "militar* military army ejercito* sedena",
    "navy": "navy marina semar",
    "president": "presiden*",
    "government": "gobierno* government*",
    "governor": "governor* gobernador*",
    "administration": "administration* administracion*",
    "secretary": "secretar* minist*",
    "treasury": "treasury tesoro",
    "congress": "congres* lawmaker* legislat* legislador*",
    "senate": "senad* senat*",
    "court": "court courts tribunal* juez jueces judge judges corte cortes juzgad*",
    "sentence": "sentenc* condena condenan condenado* condenada*",
    "prison": "prison* prision* carcel* jail*",
    "trial": "trial trials juicio*",
    "accuse": "accus* acusa acusan acusacion* acusado*",
    "investigation": "investigat* investigacion* probe probes pesquisa*",
    "review": "review* revision* revisa revisan",
    "negotiation": "negotiat* negocia* talks platicas conversaciones",
    "round": "round rounds ronda rondas",
    "meeting": "meet meets meeting* met reunion* reune reunen encuentro*",
    "visit": "visit* visita*",
    "announce": "announc* anunci*",
    # Refusing, rejecting and denying are one act in headlines ("se niega a renovar",
    # "refuses to renew", "declina extender"); English "declines" stays a decrease.
    "reject": "reject* rechaz* refus* deny denies denied niega niegan nego negarse"
    " declina declinan declino",
    "threat": "threat* amenaz*",
    "warn": "warn* advier* advert* alert*",
    "propose": "propos* propon* propuesta* propuesto*",
    "impose": "impose imposes imposed imposing impone imponen impuso impuest*",
    "renew": "renew* renov* renuev* extend* extien* prorroga* prorrog* extension*",
    "export": "export*",
    "import": "import imports imported importing importacion* importado* importada*",
    "steel": "steel acero",
    "aluminum": "alumin*",
    "auto": "auto autos car cars vehicle* vehicul* automo* automotriz automotive",
    "truck": "truck* camion*",
    "agriculture": "agricult* agricol* farm farms farmer* agropecuari*",
    "cattle": "cattle ganad* livestock",
    "energy": "energ*",
    "oil": "oil petrole* crude crudo",
    "fuel": "fuel* combustib* gasolin* huachicol*",
    "electricity": "electric* electrici* power",
    "water": "water agua aguas",
    "investment": "investment* inversion* investor* inversionista*",
    "economy": "econom*",
    "deficit": "deficit*",
    "jobs": "employ* emple* job jobs",
    "bank": "bank banks banking banco bancos bancari*",
    "laundering": "laundering lavado",
    "weapons": "weapon* arma armas firearm* gun guns",
    "kidnapping": "kidnap* secuestr*",
    "extortion": "extort* extors*",
    "disappeared": "disappear* desaparec* desapareci*",
    "journalist": "journalist* periodist* reporter*",
    "police": "police policia* policiaco* policial*",
    "politics": "politic* policy policies",
    "election": "election* eleccion* electoral*",
    "vote": "vote votes voted voting voto votos votacion*",
    "law": "law laws ley leyes",
    "reform": "reform*",
    "judicial": "judicia* judici*",
    "ambassador": "ambassador* embajad* embassy embassies",
    "consulate": "consul*",
    "foreign_ministry": "cancilleria canciller* sre",
    "tourism": "touris* turis*",
    "health": "health salud",
    "child": "child children nino ninos nina ninas menores minors",
    "women": "women woman mujer mujeres",
    "femicide": "femicid* feminicid*",
    "death": "death deaths dead die dies died muerte muertes muerto* muerta* muere mueren"
    " murio fallec*",
    "attack": "attack* ataque* atac*",
    "shooting": "shoot* balacera* balaz* tirote* disparo*",
    "bomb": "bomb* explos*",
    "protest": "protest*",
    "war": "war wars guerra*",
    "peace": "peace paz",
    "cooperation": "cooperat* cooperac* coopera cooperan",
    "alliance": "allian* alianza*",
    "summit": "summit* cumbre*",
    "leader": "leader* lider*",
    "annual": "annual* anual*",
    "quota": "quota* cuota*",
    "dollar": "dollar* dolar*",
    "inflation": "inflat* inflac*",
    "remittance": "remittanc* remesa*",
    "director": "director* chief jefe jefa jefes",
    "country": "country countries pais paises",
    "company": "compan* empresa* business* firms",
    "sign": "sign signs signed signing firma firman firmo firmado* firmada*",
    "approve": "approv* aprob* aprueba* aval* ratif*",
    "postpone": "postpon* pospon* delay* retras* aplaz*",
    "cancel": "cancel*",
    "suspend": "suspend* suspen*",
    "withdraw": "withdraw* retira retiran retiro retirarse salir saldra saldran exit exits quit"
    " quits abandon*",
    "launch": "launch* lanza lanzan lanzo lanzamiento*",
    "begin": "begin* begun start starts started inicia inician inicio arranca arrancan"
    " comienza comienzan",
    "conclude": "conclu* termina terminan finaliz* ends ended",
    "half": "half mitad",
    "first": "first primer primera primero",
    "second": "second segunda segundo",
    "third": "third tercera tercer tercero",
    "week": "week weeks weekly semana* semanal*",
    "day": "day days dia dias daily diario diaria",
    "year": "year years yearly ano anos",
    "month": "month months mes meses mensual*",
    "north": "north northern norte",
    "south": "south southern sur",
    "record": "record records historic* historica* historico*",
    "crime": "crime crimes crimen crimenes delito* criminal*",
    "victim": "victim* victima*",
    "citizen": "citizen* ciudadan* nationals connacional*",
    "worker": "worker* trabajador*",
    "labor": "labor labour laboral*",
    "forced": "forced forzado* forzada*",
    "supply": "supply suministro* abasto abastecimiento",
    "chain": "chain chains cadena cadenas",
    "rule": "rule rules regla reglas",
    "origin": "origin origen",
    "product": "product products producto*",
    "market": "market* mercado*",
    "price": "price prices precio*",
    "loss": "loss losses perdida* perdidas",
    "plan": "plan plans planes",
    "strategy": "strateg* estrateg*",
    "result": "result* resultado*",
    "support": "support* apoyo* apoya apoyan respald*",
    "respond": "respond* respuesta* responde responden reply replies answer*",
    "statement": "statement* declaracion* remark* senalamiento* dichos",
    "welcome": "welcom* celebra celebran celebro prais* elogi* aplaud* applaud*",
    "demand": "demand* exig* exige exigen",
    "seek": "seek seeks sought busca buscan",
    "restrict": "restrict* restring* restricc*",
    "eliminate": "eliminat* elimin*",
    "protect": "protect* proteg* proteccion*",
    "fight": "fight* combat* lucha*",
    "offensive": "offensive ofensiva*",
    "clash": "clash* enfrentamiento*",
    "operation": "operation* operativo* operacion*",
    "seizure": "seiz* asegura* decomis* incaut*",
    "tons": "ton tons tonelada*",
    "pilot": "pilot* piloto*",
    "plane": "plane planes airplane* avion* aircraft aeronave*",
    "flight": "flight* vuelo*",
    "airport": "airport* aeropuerto*",
    "port": "port ports puerto*",
    "rail": "rail railway* train* tren trenes ferrocarril* ferroviari*",
    "ship": "ship ships buque* barco*",
    "bridge": "bridge* puente*",
    "wall": "wall muro",
    "january": "january enero",
    "february": "february febrero",
    "march": "march marzo",
    "april": "april abril",
    "may": "mayo",
    "june": "june junio",
    "july": "july julio",
    "august": "august agosto",
    "september": "september septiembre setiembre",
    "october": "october octubre",
    "november": "november noviembre",
    "december": "december diciembre",
    "monday": "monday lunes",
    "tuesday": "tuesday martes",
    "wednesday": "wednesday miercoles",
    "thursday": "thursday jueves",
    "friday": "friday viernes",
    "saturday": "saturday sabado",
    "sunday": "sunday domingo",
}

# Word pairs after stop words are dropped (so "Ciudad de México" is ("ciudad", "mexico")).
PHRASES: dict[tuple[str, str], str] = {
    ("estados", "unidos"): "us",
    ("united", "states"): "us",
    ("ee", "uu"): "us",
    ("union", "europea"): "eu",
    ("european", "union"): "eu",
    ("casa", "blanca"): "white_house",
    ("white", "house"): "white_house",
    ("mexico", "city"): "cdmx",
    ("ciudad", "mexico"): "cdmx",
    ("state", "department"): "state_department",
    ("departamento", "estado"): "state_department",
    ("justice", "department"): "justice_department",
    ("departamento", "justicia"): "justice_department",
    ("attorney", "general"): "prosecutor",
    ("fiscalia", "general"): "prosecutor",
    ("national", "guard"): "national_guard",
    ("guardia", "nacional"): "national_guard",
    ("supreme", "court"): "supreme_court",
    ("suprema", "corte"): "supreme_court",
    ("united", "nations"): "un",
    ("naciones", "unidas"): "un",
    ("organized", "crime"): "organized_crime",
    ("crimen", "organizado"): "organized_crime",
    ("delincuencia", "organizada"): "organized_crime",
    ("drug", "trafficking"): "drug_trafficking",
    ("trade", "representative"): "ustr",
    ("representante", "comercial"): "ustr",
    ("cadena", "perpetua"): "life_sentence",
    ("life", "sentence"): "life_sentence",
    ("life", "prison"): "life_sentence",
    ("central", "bank"): "central_bank",
    ("banco", "central"): "central_bank",
    ("banco", "mexico"): "central_bank",
    ("world", "cup"): "world_cup",
    ("copa", "mundo"): "world_cup",
    ("free", "trade"): "free_trade",
    ("libre", "comercio"): "free_trade",
}

# Acronyms whose meaning depends on the language: Spanish "EU" is the United States.
_BY_LANG: dict[tuple[str, str], str] = {("eu", "es"): "us", ("eu", "en"): "eu"}
# All-capital acronyms that are also ordinary words in lower case ("US" vs "us").
_CAPITALS: dict[str, str] = {"US": "us", "EU": "", "UN": "un", "ONU": "un", "FGR": "prosecutor"}
_EXTRA: dict[str, str] = {
    "cdmx": "cdmx",
    "banxico": "central_bank",
    "onu": "un",
    "fgr": "prosecutor",
}

_EXACT: dict[str, str] = dict(_EXTRA)
_PREFIX: dict[str, str] = {}
for _name, _words in _GROUPS.items():
    for _word in _words.split():
        if _word.endswith("*"):
            _PREFIX[_word[:-1]] = _name
        else:
            _EXACT[_word] = _name
_SHORTEST = min(len(p) for p in _PREFIX)
_LONGEST = max(len(p) for p in _PREFIX)


def concept(folded: str, original: str = "", lang: str = "") -> str:
    """The glossary's concept for one folded word, or "" when it has none.

    `original` (the word as written) tells the acronym "US" from the pronoun "us";
    `lang` tells Spanish "EU" (the United States) from English "EU" (the European Union).
    """
    if original and original.replace(".", "").isupper() and len(original) <= 5:
        key = original.replace(".", "")
        if key in _CAPITALS:
            if key == "EU":
                return _BY_LANG.get((folded, lang or "en"), "")
            return _CAPITALS[key]
    elif folded in ("us", "eu", "un"):
        return ""  # the pronoun "us", "un" (Spanish "a"), lower-case "eu": not acronyms
    found = _EXACT.get(folded)
    if found is not None:
        return found
    for size in range(min(len(folded), _LONGEST), _SHORTEST - 1, -1):
        found = _PREFIX.get(folded[:size])
        if found is not None:
            return found
    return ""


def phrase_concepts(words: list[str]) -> list[tuple[int, str]]:
    """(index of the first word, concept) for each glossary phrase in folded `words`."""
    return [
        (i, PHRASES[(words[i], words[i + 1])])
        for i in range(len(words) - 1)
        if (words[i], words[i + 1]) in PHRASES
    ]
