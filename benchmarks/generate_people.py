"""Generated people for the search benchmark: realistic Latino, Black, white and Asian
given and family names (with their accents, compound given names and two family
names), on a street grid of a Kensington-like neighborhood, with the last four digits
of a phone for most of them. Nothing is downloaded; the lists are below.

Pure Python (no Django): ``people(n, seed)`` yields plain records; the benchmark turns
each into the text ``refresh_search_text`` would index for that person, with the same
function (``groundswell.people.search.compose_search_text``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate

# Each list is roughly in order of frequency; a Zipf-like weight follows the order.
LATINO_GIVEN = """
José María Juan Luis Carlos Ana Rosa Jorge Miguel Sofía Lucía Ramón Inés Germán Martín
Raúl Ángel Jesús Verónica Mónica Yesenia Maribel Guadalupe Xiomara Yajaira Dayana Wendy
Kevin Brayan Darwin Elmer Nelson Wilmer Santos Reina Marisol Milagros Altagracia Yokasta
Ysabel Ramona Héctor Rubén Joaquín Efraín Nicolás Andrés Tomás Francisco Antonio Manuel
Pedro Alejandro Fernando Ricardo Roberto Eduardo Sergio Javier Mario Óscar Víctor Rafael
Julio César Hugo Gustavo Arturo Alberto Enrique Ernesto Marcos Diego Daniel Adrián Iván
Cristian Jonathan Edwin Wilson Franklin Yordi Josué Moisés Elías Ismael Abraham Isaac
Carmen Juana Margarita Teresa Patricia Elena Isabel Gabriela Adriana Alejandra Claudia
Daniela Diana Fabiola Gloria Leticia Lorena Luz Marta Mercedes Natalia Norma Paola
Pilar Raquel Rocío Sandra Silvia Susana Valeria Vanessa Yolanda Zoila Yadira Yanet
Kenia Keila Nayeli Ximena Camila Valentina Mariana Dulce Esperanza Consuelo Dolores
Socorro Concepción Asunción Belén Iris Noemí Rut Esther Lourdes Magdalena Nereida
Damaris Griselda Anabel Maritza Migdalia Awilda Nilda Wanda Yaritza Jazmín Karla
""".split()

LATINO_COMPOUND_GIVEN = ["María José", "Juan Carlos", "José Luis", "Ana María", "María Elena",
                         "Juan Pablo", "José Antonio", "María Isabel", "Luis Ángel",
                         "María del Carmen", "José Miguel", "Rosa María", "Jean Carlos"]

LATINO_FAMILY = """
Rodríguez García Hernández Martínez López González Pérez Sánchez Ramírez Torres Flores
Rivera Gómez Díaz Reyes Morales Cruz Ortiz Gutiérrez Chávez Ramos Ruiz Álvarez Mendoza
Vásquez Castillo Jiménez Moreno Romero Herrera Medina Aguilar Vargas Guzmán Castro Méndez
Muñoz Rojas Ortega Figueroa Santiago Peña Núñez Acosta Espinoza Batista Almonte Santana
Polanco Guerrero Cabrera Matos Ventura Familia Caraballo Quiñones Colón Maldonado Benítez
Fuentes Carrasco Solís Ávila Zelaya Funes Argueta Portillo Amaya Orellana Escobar
Menjívar Alvarado Ayala Velásquez Bonilla Cardona Cáceres Sandoval Montes Delgado Vega
Rosario Feliciano Vázquez Meléndez Negrón Irizarry Pagán Rosado Burgos Marrero Otero
Serrano Soto Padilla Nieves Ocasio Rentas Cintrón Velázquez Avilés Báez Lugo Mercado
Tejada Paulino Mejía Durán Abreu Encarnación Frías Guerra Lantigua Liranzo Ozuna
Pichardo Tavárez Ureña Jáquez Bautista Ortíz Osorio Pineda Pacheco Salazar Salinas
Valdez Villanueva Zamora Zúñiga Ibarra Lara Luna Márquez Navarro Ochoa Palacios Quintero
Rosales Sáenz Trujillo Uribe Valencia Cordero Cuevas Domínguez Estrada Galván Hidalgo
""".split()

BLACK_GIVEN = """
James Michael Darnell Tyrone Jamal Malik DeShawn Andre Terrence Marcus Keisha Latoya
Tanisha Shanice Aaliyah Imani Jasmine Ebony Tiffany Kiara Denise Gloria Dorothy Willie
Curtis Reginald Cedric Jerome Lamar Dwayne Rashad Jalen Nia Zora Ayanna Monique Yolanda
Bernice Odessa Jean Marie Widline Fabiola Guerline Mackenson Wesline Roselaure Jean-Claude
Kareem Tariq Khalil Omari Darius Demetrius Lakisha Shaniqua Tamika Alicia Angela
Brenda Carolyn Deborah Jacqueline Kimberly Sharon Shirley Tasha Vanessa Wanda
Anthony Calvin Clarence Derrick Donnell Isaiah Jermaine Kenneth Leroy Maurice Otis
Quentin Roderick Sylvester Tyrell Xavier Zion Amari Destiny Jada Janelle Kendra
""".split()

BLACK_FAMILY = """
Washington Jefferson Jackson Johnson Williams Brown Jones Davis Harris Robinson Thomas
Walker Wright Coleman Banks Booker Mosley Gaines Hairston Dorsey Freeman Gilliam Pettiford
Blackwell Battle Merriweather Hollins Jean-Baptiste Pierre Joseph Louis Charles Étienne
Desir Toussaint Dorvil Alexis Augustin Baptiste Celestin Dorsainvil Jean-Louis Lafortune
Bryant Carter Simmons Henderson Patterson Jenkins Perry Powell Butler Barnes Fisher
Hayes Bell Griffin Wallace Hamilton Graham Sims Tucker Porter Hunter Holmes Ford
Mack Grant Hawkins Dixon Owens Pierce Warren Boyd Mason Gordon Bailey Ellis Tate
""".split()

WHITE_GIVEN = """
Mary Patricia Linda Barbara Elizabeth Susan Margaret Kathleen Eileen Colleen Bridget
Robert John William Richard Joseph Thomas Patrick Sean Kevin Brian Daniel Matthew Emily
Hannah Megan Kayla Anthony Vincent Dominic Stanley Walter Frank Joanne Donna Theresa
Christopher Michelle Nicole Stephanie Rebecca Laura Amanda Jennifer Jessica Sarah
Heather Melissa Christine Catherine Maureen Noreen Kathryn Gregory Timothy Stephen
Edward Raymond Gerald Dennis Lawrence Francis Eugene Ronald Donald Kenneth Peter Paul
Agnieszka Katarzyna Tadeusz Krzysztof Zofia Giuseppe Salvatore Giovanna Rosalie
""".split()

WHITE_FAMILY = """
Smith Miller Wilson Anderson Taylor Moore Martin Thompson White Clark Lewis Murphy
O'Brien Kelly McCarthy Sullivan Walsh Kowalski Nowak Lewandowski Schmidt Mueller Russo
Esposito DiNardo Romano Costello Byrne Fitzgerald Gallagher Quinn Doyle Kovacs McGinley
O'Donnell O'Neill Brennan Flanagan Mahoney Callahan Dougherty Kaminski Wisniewski
Zielinski Szymanski Wojcik Kozlowski Jankowski Schneider Fischer Weber Becker Hoffmann
Schaefer Koch Richter Klein Wolf Schroeder Neumann Conti Ricci Marino Greco Bruno
Gallo Rizzo Lombardi Moretti Barbieri Fontana Caruso Ferrara Mancini Campbell Stewart
Morris Rogers Reed Cook Morgan Cooper Peterson Ward Cox Richardson Howard Brooks
""".split()

ASIAN_GIVEN = """
Wei Li Ming Xiu Jun Hao Mei Ying Hui Jing Minh Thanh Huong Linh Duc Anh Tuan Lan Hoa
Quang Ji-ho Min-jun Seo-yeon Hyun Ravi Priya Anjali Arjun Sanjay Deepa Raj Aarav Rohan
Sita Tenzin Pema Hiroshi Yuki Kenji Aiko Bao Xin Yan Fang Lei Tao Yong Qiang Jian Hong
Phuong Trang Thao Nga Hung Long Khanh Vy Dung Sokha Sophea Dara Vanna Chanthy Rithy
Jae Soo-ah Ha-eun Do-yun Eun-ji Sunil Anil Kavita Neha Pooja Rahul Vikram Farhana
Nusrat Tanvir Rafiq Ayesha Kamal
""".split()

ASIAN_FAMILY = """
Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do Ngo Duong Ly Wang Li Zhang Liu Chen Yang
Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Kim Lee Park Choi Jung Kang Cho Yoon
Jang Patel Shah Singh Kumar Gupta Sharma Reddy Rao Das Chowdhury Rahman Hossain Tanaka
Suzuki Sato Yamamoto Chan Wong Cheung Lau Ng Ho Tang Yip Chau Chea Sok Chhay Meas Heng
Lim Tan Ong Goh Teo Vo Truong Dinh Mai Cao Lam Ha Tong Ahmed Islam Akter Begum Uddin
""".split()

PREFERRED = {"José": "Pepe", "Francisco": "Paco", "Guadalupe": "Lupe", "Jesús": "Chuy",
             "Ignacio": "Nacho", "Concepción": "Conchita", "Dolores": "Lola",
             "Margarita": "Rita", "Roberto": "Beto", "Alberto": "Beto", "Eduardo": "Lalo",
             "William": "Bill", "Robert": "Bob", "Richard": "Rick", "Elizabeth": "Liz",
             "Margaret": "Peggy", "Patricia": "Trish", "Michael": "Mike", "Anthony": "Tony",
             "Christopher": "Chris", "Katherine": "Kate", "Kathleen": "Kathy"}

# A grid: north-south streets crossed by east-west ones; house numbers by block.
NS_STREETS = ["N FRONT ST", "N HOWARD ST", "N HOPE ST", "N PALETHORP ST", "N HANCOCK ST",
              "N MASCHER ST", "N WATERLOO ST", "N LAWRENCE ST", "N ORKNEY ST",
              "N LEITHGOW ST", "N 2ND ST", "N 3RD ST", "N 4TH ST", "N 5TH ST", "N 6TH ST",
              "N AMERICAN ST", "N WARNOCK ST", "N FAIRHILL ST", "N 7TH ST", "N 8TH ST",
              "KENSINGTON AVE", "N LEE ST", "N RANDOLPH ST", "N MARSHALL ST"]
EW_STREETS = ["W LEHIGH AVE", "W SOMERSET ST", "W CAMBRIA ST", "W INDIANA AVE",
              "W CLEARFIELD ST", "W ALLEGHENY AVE", "W WESTMORELAND ST", "W ONTARIO ST",
              "W TIOGA ST", "W VENANGO ST", "W HUNTINGDON ST", "W SUSQUEHANNA AVE",
              "E HAGERT ST", "E ANNSBURY ST", "E BIRCH ST", "E RUSSELL ST"]
UNITS = ["", "", "", "", "", "FL 1", "FL 2", "FL 2 REAR", "FL 3", "APT 1", "APT 2", "APT 3",
         "APT 1A", "APT 2B", "REAR", "BSMT", "UNIT 4", "#5"]

GROUPS = [  # (share of people, given names, family names, chance of two family names)
    (0.50, LATINO_GIVEN, LATINO_FAMILY, 0.30),
    (0.25, BLACK_GIVEN, BLACK_FAMILY, 0.0),
    (0.15, WHITE_GIVEN, WHITE_FAMILY, 0.0),
    (0.10, ASIAN_GIVEN, ASIAN_FAMILY, 0.0),
]


@dataclass(frozen=True)
class GeneratedPerson:
    given_name: str
    family_name: str
    preferred_name: str
    street: str  # normalized USPS style, as normalize_street_address writes it
    unit: str
    phone_last_four: str


def _zipf(items: list[str], exponent: float = 0.9) -> tuple[list[str], list[float]]:
    weights = [1 / (rank ** exponent) for rank in range(1, len(items) + 1)]
    return items, list(accumulate(weights))


def people(n: int, seed: int = 4) -> Iterator[GeneratedPerson]:
    rng = random.Random(seed)
    groups = [(share, _zipf(given), _zipf(family), double) for share, given, family, double
              in GROUPS]
    group_weights = list(accumulate(share for share, *_rest in groups))
    compound = _zipf(LATINO_COMPOUND_GIVEN)
    for _index in range(n):
        _share, (given, given_w), (family, family_w), double = rng.choices(
            groups, cum_weights=group_weights)[0]
        if double and rng.random() < 0.08:
            given_name = rng.choices(compound[0], cum_weights=compound[1])[0]
        else:
            given_name = rng.choices(given, cum_weights=given_w)[0]
        family_name = rng.choices(family, cum_weights=family_w)[0]
        if rng.random() < double:
            second = rng.choices(family, cum_weights=family_w)[0]
            if second != family_name:
                family_name = f"{family_name} {second}"
        preferred = PREFERRED.get(given_name, "") if rng.random() < 0.3 else ""
        if rng.random() < 0.6:
            street = f"{rng.randrange(1, 60) * 100 + rng.randrange(0, 60)} " \
                     f"{rng.choice(NS_STREETS)}"
        else:
            street = f"{rng.randrange(1, 30) * 100 + rng.randrange(0, 60)} " \
                     f"{rng.choice(EW_STREETS)}"
        yield GeneratedPerson(
            given_name=given_name, family_name=family_name, preferred_name=preferred,
            street=street, unit=rng.choice(UNITS),
            phone_last_four=f"{rng.randrange(10000):04d}" if rng.random() < 0.7 else "")

