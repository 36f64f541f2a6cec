"""The sample firm's cast: clients, projects and billing phrases of a French architecture practice.

Fictitious names; realistic shapes. Kept apart from the generator so the
generator reads as the story of two years of billing.
"""

from __future__ import annotations

# (name, address, postal code, city, country, intra-EU VAT number, e-mail)
CLIENTS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("SCI Les Tilleuls", "14 rue des Tilleuls", "93100", "Montreuil", "FR", "FR40831245671", "gerance@sci-tilleuls.fr"),
    ("Ville de Vincennes", "53 bis rue de Fontenay", "94300", "Vincennes", "FR", "",
     "services.techniques@vincennes.test"),
    ("Habitat Est Parisien OPH", "21 avenue de la République", "75011", "Paris", "FR", "FR18272300019",
     "maitrise.ouvrage@hep-oph.test"),
    ("Famille Durand", "7 allée des Marronniers", "94100", "Saint-Maur-des-Fossés", "FR", "", "p.durand@free.test"),
    ("Clinique Saint-Roch SAS", "2 boulevard de Strasbourg", "94130", "Nogent-sur-Marne", "FR", "FR77412853990",
     "direction@clinique-saint-roch.test"),
    ("Boulangerie Martin SARL", "118 rue Oberkampf", "75011", "Paris", "FR", "FR29790114523",
     "contact@boulangerie-martin.test"),
    ("Hôtel du Marais SAS", "9 rue Vieille-du-Temple", "75004", "Paris", "FR", "FR63528710044",
     "travaux@hoteldumarais.test"),
    ("Cabinet Dentaire Leroy", "3 place du Général-Leclerc", "94120", "Fontenay-sous-Bois", "FR", "",
     "dr.leroy@cabinet-leroy.test"),
    ("Commune de Bagnolet", "Place Salvador-Allende", "93170", "Bagnolet", "FR", "", "urbanisme@bagnolet.test"),
    ("Plaine Commune Aménagement SPL", "21 avenue Jules-Rimet", "93200", "Saint-Denis", "FR", "FR52803388102",
     "operations@pca-spl.test"),
    ("Atelier Verrier Dubois", "40 rue de Rosny", "93100", "Montreuil", "FR", "FR11451236987",
     "atelier@verrier-dubois.test"),
    ("SCEA Domaine de la Roche", "Route de Chichée", "89800", "Chablis", "FR", "FR90419855230",
     "domaine@laroche-chablis.test"),
    ("Fondation Arts et Métiers Nouveaux", "60 rue Réaumur", "75003", "Paris", "FR", "", "secretariat@famn.test"),
    ("M. et Mme Lefèvre", "12 avenue Aubert", "94300", "Vincennes", "FR", "", "lefevre.famille@orange.test"),
    ("Département du Val-de-Marne", "Avenue du Général-de-Gaulle", "94000", "Créteil", "FR", "",
     "batiments.colleges@valdemarne.test"),
    ("Coopérative d'habitants Le Grand Chêne", "5 sentier des Lilas", "93230", "Romainville", "FR", "",
     "bureau@grandchene.test"),
    ("Librairie Les Mots Passants SARL", "88 rue des Pyrénées", "75020", "Paris", "FR", "FR36889012457",
     "librairie@motspassants.test"),
    ("Immobilière Léman SA", "Quai du Mont-Blanc 17", "1201", "Genève", "CH", "CHE-113.554.902 TVA",
     "projets@leman-immo.test"),
    ("Harbor Lane Hospitality Inc.", "210 Hudson Street", "10013", "New York", "US", "", "development@harborlane.test"),
    ("SCI Océan Indien", "25 rue de Paris", "97400", "Saint-Denis", "FR", "FR45902211873",
     "gestion@sci-oceanindien.test"),
)

# Clients that carry a planted mistake: (name, address, postal code, city, e-mail)
CLIENT_WITHOUT_CODE = ("Brasserie des Canaux SARL", "31 quai de Valmy", "75010", "Paris", "compta@brasseriecanaux.test")
CLIENTS_SHARING_A_CODE = (
    ("Pharmacie Centrale Gambetta", "6 place Gambetta", "75020", "Paris", "officine@pharma-gambetta.test"),
    ("Pharmacie du Centre", "19 rue de Paris", "93100", "Montreuil", "pharmacie.centre@montreuil-officine.test"),
)
SHARED_CODE = "03318"
PUBLIC_CLIENTS = (1, 2, 8, 9, 14)  # public buyers pay at 45 days
USD_CLIENT = 18
SWISS_CLIENT = 17

# (client index in CLIENTS, title, city, VAT profile, start year)
# VAT profile: "20", "10", "5.5", "0" (export of services), "8.5" (La Réunion), "multi" (20 % + 10 %).
PROJECTS: tuple[tuple[int, str, str, str, int], ...] = (
    (0, "Surélévation d'un immeuble de rapport, rue des Tilleuls", "Montreuil", "20", 2024),
    (1, "Extension de l'école maternelle Paul-Bert", "Vincennes", "20", 2024),
    (1, "Réaménagement de la médiathèque Cœur de Ville", "Vincennes", "20", 2025),
    (2, "Réhabilitation de 24 logements sociaux, rue des Vignoles", "Paris", "10", 2024),
    (2, "Rénovation énergétique de la résidence Pelleport (48 logements)", "Paris", "5.5", 2025),
    (3, "Maison individuelle à ossature bois", "Saint-Maur-des-Fossés", "20", 2024),
    (4, "Restructuration du plateau de consultations", "Nogent-sur-Marne", "20", 2024),
    (4, "Création d'un bloc ambulatoire", "Nogent-sur-Marne", "20", 2025),
    (5, "Réaménagement du fournil et de la boutique", "Paris", "20", 2025),
    (6, "Rénovation des chambres et du lobby", "Paris", "20", 2024),
    (7, "Aménagement d'un cabinet dentaire en rez-de-chaussée", "Fontenay-sous-Bois", "20", 2025),
    (8, "Construction d'un gymnase municipal", "Bagnolet", "20", 2024),
    (8, "Réhabilitation du centre social Anne-Frank", "Bagnolet", "20", 2026),
    (9, "Îlot mixte Pleyel : logements et commerces", "Saint-Denis", "multi", 2024),
    (9, "Halle de marché couverte", "Saint-Denis", "20", 2025),
    (10, "Transformation d'un atelier en loft", "Montreuil", "20", 2025),
    (11, "Chai de vinification et caveau de dégustation", "Chablis", "20", 2024),
    (12, "Réhabilitation d'un hôtel particulier en lieu d'exposition", "Paris", "20", 2025),
    (13, "Rénovation énergétique d'une maison meulière", "Vincennes", "5.5", 2025),
    (14, "Restructuration du collège Jean-Moulin", "Créteil", "20", 2024),
    (14, "Demi-pension du collège Danielle-Casanova", "Vitry-sur-Seine", "20", 2026),
    (15, "Habitat participatif : 14 logements en bois", "Romainville", "multi", 2025),
    (16, "Agrandissement de la librairie et mezzanine", "Paris", "20", 2025),
    (17, "Concours : immeuble de bureaux quai du Mont-Blanc", "Genève", "0", 2025),
    # Harbor Lane (New York) has a hotel in Paris: services on French property bear French VAT; billed in USD.
    (18, "Hôtel Harbor Lane, rue de Rivoli", "Paris", "20", 2025),
    (19, "Résidence de 18 logements à Saint-Denis de La Réunion", "Saint-Denis", "8.5", 2025),
    (0, "Ravalement et isolation par l'extérieur, rue des Tilleuls", "Montreuil", "10", 2026),
    (3, "Piscine et pool-house", "Saint-Maur-des-Fossés", "20", 2026),
    (5, "Second point de vente, rue de Belleville", "Paris", "20", 2026),
)
PROJECT_WITHOUT_CODE = (10, "Étude de faisabilité : entrepôt rue de la Fraternité", "Montreuil", "20", 2026)

# Mission phases of a French architect (loi MOP), with their usual share of the fee.
PHASES: tuple[tuple[str, str, int], ...] = (
    ("ESQ", "Esquisse", 5), ("APS", "Avant-projet sommaire", 10), ("APD", "Avant-projet définitif", 15),
    ("PRO", "Études de projet", 20), ("DCE", "Dossier de consultation des entreprises", 7),
    ("ACT", "Assistance pour la passation des contrats de travaux", 5), ("VISA", "Visa des études d'exécution", 8),
    ("DET", "Direction de l'exécution des travaux", 25), ("AOR", "Assistance aux opérations de réception", 5),
)

EXPENSES = (
    "Frais de reprographie (tirages de plans)", "Frais de déplacement sur chantier", "Maquette d'étude",
    "Impressions grand format pour le concours", "Frais de déplacement et d'hébergement",
)
DISBURSEMENTS = (
    "Débours : frais de publication de l'avis d'appel public à la concurrence",
    "Débours : droits de dépôt du permis de construire avancés pour le client",
    "Débours : taxe d'archéologie préventive payée pour le compte du client",
)
