"""Names people use for places that are not (or not only) the name of an administrative unit: a
city inside a district, a province's everyday short name, an island or beach town. Each alias
names the DOPA code of the unit it lies in (or is), with where that fact comes from. The matcher
treats an alias like any other name of that unit, so an address that also names a province still
has to agree with it.

Sources, cited per row by key:
  pattaya  Pattaya City Administration Act B.E. 2521 (1978): Pattaya City (เมืองพัทยา) is a
           special local government area inside Bang Lamung district, Chon Buri (DOPA 2004).
  korat    Wikipedia, "Nakhon Ratchasima": the city and province are commonly called Khorat or
           Korat (โคราช).
  short    Wikipedia, the article of each province: the short form its lead gives (Ayutthaya,
           Ubon, Udon, Surat, Nakhon Si), as written in everyday Thai addresses.
  town     Tourism Authority of Thailand (tourismthailand.org): the spellings it uses for these
           towns, islands and beaches, each in the district or tambon named.
  bangkok  Spellings of Bangkok in use beside its official name กรุงเทพมหานคร.
"""

ALIASES = [
    # alias, DOPA code, source
    ("กรุงเทพ", "10", "bangkok"),
    ("bkk", "10", "bangkok"),
    ("krung thep", "10", "bangkok"),
    ("krung thep maha nakhon", "10", "bangkok"),
    ("bangkok metropolis", "10", "bangkok"),
    ("พัทยา", "2004", "pattaya"),
    ("เมืองพัทยา", "2004", "pattaya"),
    ("pattaya", "2004", "pattaya"),
    ("pattaya city", "2004", "pattaya"),
    ("โคราช", "30", "korat"),
    ("korat", "30", "korat"),
    ("khorat", "30", "korat"),
    ("อยุธยา", "14", "short"),
    ("กรุงศรีอยุธยา", "14", "short"),
    ("ayutthaya", "14", "short"),
    ("ayuthaya", "14", "short"),
    ("ayudhya", "14", "short"),
    ("อุบล", "34", "short"),
    ("ubon", "34", "short"),
    ("อุดร", "41", "short"),
    ("udon", "41", "short"),
    ("สุราษฎร์", "84", "short"),
    ("surat", "84", "short"),
    ("นครศรี", "80", "short"),
    ("hatyai", "9011", "town"),
    ("huahin", "7707", "town"),
    ("สมุย", "8404", "town"),
    ("samui", "8404", "town"),
    ("koh samui", "8404", "town"),
    ("patong", "830202", "town"),
    ("บางแสน", "200104", "town"),  # Bang Saen beach, in tambon Saen Suk, Mueang Chon Buri
    ("bang saen", "200104", "town"),
]
