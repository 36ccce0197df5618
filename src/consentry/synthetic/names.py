"""Given and family names per language, and the ASCII folding used for handles and emails.

Lists hold common names of each language (female first, then male), spelled with their
usual accents where the language has them, so that a scrubber meets real-looking text.
"""

from __future__ import annotations

import unicodedata
from random import Random

# language -> (female given names, male given names, family names)
_NAMES: dict[str, tuple[str, str, str]] = {
    "de": (
        "Anna Lena Laura Julia Sophie Marie Hannah Lea Katharina Sabine Jana Katrin",
        "Lukas Jonas Felix Maximilian Paul Tobias Stefan Andreas Michael Florian Jörg Matthias",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
        "Bauer Klein Wolf Schröder Neumann Zimmermann Krüger Hartmann",
    ),
    "fr": (
        "Camille Léa Manon Chloé Inès Juliette Émilie Claire Sophie Margaux Océane Amélie",
        "Lucas Hugo Louis Thomas Nicolas Julien Antoine Mathieu Théo Raphaël Benoît Étienne",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefèvre Michel Garcia David Bertrand Roux Fontaine Girard",
    ),
    "fr-ca": (
        "Gabrielle Florence Rosalie Marianne Geneviève Maude Catherine Noémie Élodie Alexandra",
        "Félix Samuel William Olivier Gabriel Jérémie Mathis Antoine Maxime François Zachary",
        "Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier "
        "Bélanger Lévesque Bergeron Leblanc",
    ),
    "en": (
        "Olivia Amelia Isla Emily Sophie Charlotte Grace Chloe Ella Aoife Niamh Hannah",
        "Oliver George Harry Jack Noah Charlie Thomas James William Liam Conor Callum",
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Walker "
        "Wright Robinson Thompson Murphy Kelly O'Brien Byrne Campbell",
    ),
    "en-us": (
        "Emma Olivia Ava Sophia Mia Isabella Madison Abigail Chloe Maria Ashley Jasmine Priya Mei",
        "Liam Noah Ethan Mason Logan Jacob Michael Daniel Carlos José Jamal Tyler Raj Kevin",
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Jackson Nguyen Patel Kim Washington Cohen",
    ),
    "nl": (
        "Emma Julia Sophie Lotte Sanne Anouk Fleur Lieke Eva Noor Femke Marloes",
        "Daan Sem Lucas Thijs Bram Jesse Ruben Stijn Joris Pieter Wouter Maarten",
        "de Jong Jansen de Vries van den Berg van Dijk Bakker Janssen Visser Smit Meijer "
        "de Boer Mulder de Groot Bos Vos Peters Hendriks Maes Claes Willems",
    ),
    "it": (
        "Giulia Sofia Aurora Alice Martina Chiara Francesca Elena Sara Valentina Federica Ilaria",
        "Leonardo Francesco Alessandro Lorenzo Matteo Andrea Gabriele Marco Luca Davide Niccolò "
        "Giovanni",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
        "Conti De Luca Mancini Costa Giordano Rizzo Lombardi Moretti",
    ),
    "es": (
        "Lucía Sofía María Martina Paula Julia Carmen Elena Laura Marta Alba Nerea",
        "Hugo Martín Lucas Daniel Pablo Alejandro Javier Sergio Álvaro Adrián Diego Iñaki",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez "
        "Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Torres",
    ),
    "pt": (
        "Maria Leonor Matilde Beatriz Carolina Inês Mariana Ana Joana Rita Sofia Catarina",
        "João Rodrigo Francisco Martim Santiago Tomás Duarte Miguel Pedro Gonçalo Tiago Rui",
        "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa Fernandes "
        "Gonçalves Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho",
    ),
    "pl": (
        "Zuzanna Julia Maja Zofia Hanna Aleksandra Natalia Katarzyna Agnieszka Magdalena Małgorzata"
        " Joanna",
        "Jakub Antoni Jan Szymon Filip Kacper Piotr Krzysztof Tomasz Paweł Łukasz Michał",
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański "
        "Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk",
    ),
    "cs": (
        "Tereza Eliška Anna Adéla Natálie Karolína Lucie Kateřina Petra Veronika",
        "Jakub Jan Tomáš Matyáš Adam Vojtěch Ondřej Petr Martin Lukáš Jiří",
        "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Marek Pokorný "
        "Král Růžička",
    ),
    "sk": (
        "Sofia Nina Ema Viktória Natália Lucia Zuzana Monika Jana Martina",
        "Jakub Samuel Michal Adam Filip Martin Tomáš Peter Marek Juraj Ľubomír",
        "Horváth Kováč Varga Tóth Nagy Baláž Szabó Molnár Lukáč Polák Kollár Németh",
    ),
    "hu": (
        "Hanna Anna Léna Zoé Boglárka Lili Réka Eszter Katalin Zsófia",
        "Bence Máté Levente Dominik Ádám Dávid Gergő Péter László Zoltán Balázs",
        "Nagy Kovács Tóth Szabó Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász",
    ),
    "ro": (
        "Maria Elena Ioana Andreea Alexandra Ana Cristina Mihaela Gabriela Daria",
        "Andrei Alexandru Ionuț Mihai Ștefan Gabriel Cristian Darius Florin Bogdan Radu",
        "Popescu Ionescu Popa Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Rusu Munteanu",
    ),
    "bg": (
        "Maria Viktoria Nikol Aleksandra Gabriela Elena Ivana Desislava Tsvetelina Radostina",
        "Georgi Aleksandar Martin Dimitar Ivan Nikolay Hristo Stoyan Kaloyan Todor",
        "Ivanov Georgiev Dimitrov Petrov Nikolov Hristov Stoyanov Todorov Iliev Vasilev Angelov",
    ),
    "el": (
        "Maria Eleni Aikaterini Vasiliki Sofia Georgia Anastasia Dimitra Ioanna Despina",
        "Georgios Konstantinos Dimitrios Ioannis Nikolaos Panagiotis Christos Vasileios Andreas "
        "Michalis",
        "Papadopoulos Papadakis Georgiou Konstantinou Nikolaidis Dimitriou Ioannou Christodoulou "
        "Pappas Vlachos Oikonomou Antoniou",
    ),
    "hr": (
        "Ana Marija Lucija Ivana Petra Maja Katarina Nika Mia Lana",
        "Luka Ivan Marko Petar Josip Matej Filip Tomislav Ante Nikola",
        "Horvat Kovačević Babić Marić Jurić Novak Kovačić Knežević Vuković Marković Petrović",
    ),
    "sl": (
        "Eva Zala Ema Nika Maja Špela Tjaša Urška Katja Petra",
        "Luka Jan Žiga Nejc Matic Rok Jure Gašper Aljaž Blaž",
        "Novak Horvat Kovačič Krajnc Zupančič Potočnik Kovač Mlakar Kos Vidmar Golob",
    ),
    "da": (
        "Ida Emma Freja Clara Sofie Mathilde Karen Mette Signe Astrid",
        "William Noah Oscar Lucas Frederik Mikkel Rasmus Søren Anders Jesper",
        "Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
        "Madsen Kristensen",
    ),
    "sv": (
        "Alice Maja Elsa Astrid Wilma Ebba Ingrid Karin Linnéa Sara",
        "William Lucas Hugo Elias Oscar Erik Johan Anders Björn Måns Nils",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
        "Lindqvist Åberg Björk Ström",
    ),
    "no": (
        "Nora Emma Ingrid Sofie Maja Ida Sigrid Kari Solveig Thea",
        "Jakob Emil Noah Filip Henrik Magnus Sindre Ola Lars Håkon",
        "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Berg "
        "Haugen Dahl Solberg Bakke",
    ),
    "fi": (
        "Aino Eevi Helmi Venla Sofia Emma Ella Laura Johanna Kaisa",
        "Eino Leo Väinö Onni Elias Juho Mikko Antti Jukka Ville",
        "Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen "
        "Lehtonen Saarinen",
    ),
    "is": (
        "Guðrún Anna Sigríður Kristín Margrét Helga Katrín Sara",
        "Jón Sigurður Guðmundur Gunnar Ólafur Einar Kristján Magnús",
        "Jónsdóttir Sigurðardóttir Jónsson Sigurðsson Guðmundsson Gunnarsson Ólafsson Magnússon",
    ),
    "et": (
        "Sofia Maria Eliise Mia Laura Kertu Liis Triin Kadri",
        "Robin Rasmus Oliver Martin Markus Kristjan Andres Jaan Tõnu",
        "Tamm Saar Sepp Mägi Kask Kukk Rebane Ilves Pärn Koppel Lepik",
    ),
    "lv": (
        "Sofija Alise Anna Marta Emīlija Līga Ilze Inese Kristīne",
        "Roberts Markuss Gustavs Jānis Kārlis Artūrs Edgars Andris Mārtiņš",
        "Bērziņš Kalniņš Ozoliņš Jansons Liepiņš Krūmiņš Balodis Zariņš Pētersons Vītols",
    ),
    "lt": (
        "Emilija Austėja Gabija Kamilė Ieva Rūta Greta Eglė Agnė",
        "Lukas Matas Jonas Dominykas Tomas Mantas Paulius Darius Vytautas",
        "Kazlauskas Jankauskas Petrauskas Stankevičius Vasiliauskas Žukauskas Butkus Paulauskas "
        "Urbonas Kavaliauskas",
    ),
    "zh": (
        "Wing Yan;Hoi Ying;Ka Man;Mei Ling;Sze Wing;Tsz Ching;Yuen Ting;Grace;Karen;Jessica",
        "Chi Ho;Ka Wai;Wai Kit;Chun Hei;Ho Yin;Tsz Hin;Kevin;Jason;Michael;Alex",
        "Chan Wong Lee Cheung Lau Leung Lam Ng Ho Tsang Chow Yeung Chu Tang Fung Kwok",
    ),
}

_FEMININE_SUFFIX = {"cs": "ová", "sk": "ová"}


def _split(words: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in (words.split(";") if ";" in words else words.split()))


def _family_names(words: str) -> tuple[str, ...]:
    # Dutch and Italian family names may have particles ("de Jong", "De Luca"): keep them whole.
    out: list[str] = []
    parts = words.split()
    i = 0
    while i < len(parts):
        if parts[i] in {"de", "van", "De"} and i + 1 < len(parts):
            if parts[i + 1] in {"den", "der"} and i + 2 < len(parts):
                out.append(" ".join(parts[i : i + 3]))
                i += 3
                continue
            out.append(f"{parts[i]} {parts[i + 1]}")
            i += 2
            continue
        out.append(parts[i])
        i += 1
    return tuple(out)


NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    lang: (_split(f), _split(m), _family_names(last)) for lang, (f, m, last) in _NAMES.items()
}
LANGUAGES = tuple(NAMES)


def person_name(rng: Random, language: str, female: bool) -> tuple[str, str]:
    """A (first, last) name typical of `language`."""
    females, males, families = NAMES[language]
    first = rng.choice(females if female else males)
    last = rng.choice(families)
    if female and language in _FEMININE_SUFFIX and not last.endswith("á"):
        last = _feminine(last, language)
    if female and language == "pl" and last.endswith("ski"):
        last = last[:-1] + "a"
    return first, last


def _feminine(last: str, language: str) -> str:
    # Czech and Slovak: Novák -> Nováková, Svoboda -> Svobodová, Černý -> Černá.
    if last.endswith("ý"):
        return last[:-1] + "á"
    if last.endswith("a"):
        return last[:-1] + _FEMININE_SUFFIX[language]
    return last + _FEMININE_SUFFIX[language]


_FOLD = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


def ascii_fold(text: str) -> str:
    """`Jürgen Øster-Łukasz` -> `Jurgen Oster-Lukasz`: accents dropped, letters kept."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def handle_base(first: str, last: str) -> str:
    """The lower-case ASCII stem of a handle: `jurgen.muller`, `lieke.dejong`."""

    def clean(s: str) -> str:
        return "".join(c for c in ascii_fold(s).lower() if c.isalnum())

    return f"{clean(first)}.{clean(last)}"
