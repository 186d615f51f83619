/// The words a form shows for a field or a value: the schema's own `title` / `x-title-sq` first,
/// else the Albanian of the common field names and values of the SOP's forms below, and the
/// property name made readable ("found_on" → "Found on") for English. What is not listed here
/// is shown in English only.
enum FieldWords {
    /// "found_on" → "Found on".
    static func readable(_ name: String) -> String {
        let words = name.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    static func field(_ field: FormField) -> (sq: String?, en: String) {
        (field.titleSq ?? fields[field.name], field.title ?? readable(field.name))
    }

    static func value(_ raw: String) -> (sq: String?, en: String) { (values[raw], readable(raw)) }

    static let fields: [String: String] = [
        "case": "Rasti", "person": "Personi", "given_name": "Emri", "family_name": "Mbiemri", "father_name": "Atësia",
        "mother_name": "Amësia", "other_names": "Emra të tjerë", "sex": "Gjinia", "date_of_birth": "Datëlindja",
        "age_years": "Mosha (vjet)", "age_estimated": "Moshë e vlerësuar", "place_of_birth": "Vendlindja", "nationality": "Shtetësia",
        "languages": "Gjuhët", "identity_documents": "Dokumentet e identitetit", "contact": "Kontakti", "phone": "Telefoni",
        "email": "Email", "address": "Adresa", "street": "Rruga", "locality": "Qyteti ose fshati", "municipality": "Bashkia",
        "county": "Qarku", "postal_code": "Kodi postar", "country": "Shteti", "preferred_language": "Gjuha e preferuar",
        "kind": "Lloji", "number": "Numri", "issuing_country": "Shteti lëshues", "expires_on": "Skadon më", "held_by": "Mbahet nga",
        "found_in": "Gjetur në (shteti)", "found_on": "Gjetur më", "circumstances": "Rrethanat", "current_location": "Vendndodhja aktuale",
        "host_authorities_involved": "Të përfshira autoritetet vendase", "wishes_to_return": "Dëshiron të kthehet", "needs": "Nevojat",
        "risk_level": "Niveli i rrezikut", "family_in_albania": "Familja në Shqipëri", "address_in_albania": "Adresa në Shqipëri",
        "signatures": "Nënshkrimet", "name": "Emri", "role": "Roli", "institution": "Institucioni", "signed_at": "Nënshkruar më",
        "position": "Pozicioni", "agency": "Institucioni (id)", "relation": "Lidhja", "lives_with_person": "Jeton me personin",
        "suspected_of_involvement": "I dyshuar për përfshirje", "capacity": "Cilësia", "present": "I pranishëm", "date": "Data",
        "started_at": "Filloi më", "ended_at": "Mbaroi më", "location_type": "Vendi", "language": "Gjuha",
        "interpreter_language": "Gjuha e përkthyesit", "participants": "Të pranishmit", "session": "Seanca", "indicators": "Treguesit",
        "exploitation_forms": "Format e shfrytëzimit", "reasoning": "Arsyetimi", "decision": "Vendimi", "notes": "Shënime",
        "summary": "Përmbledhje", "guardian": "Kujdestari", "guardians": "Kujdestarët", "declarant": "Deklaruesi",
        "declared_on": "Deklaruar më", "interpreter_needed": "Nevojitet përkthyes", "consent_obtained": "Pëlqimi u mor",
        "consent_message": "Mesazhi i pëlqimit (A2)", "statement": "Deklarata", "tasks": "Detyrat", "deadline": "Afati",
        "due_on": "Afati", "recommendations": "Rekomandimet", "measures": "Masat", "services": "Shërbimet", "reason": "Arsyeja",
        "details": "Hollësi", "official": "Zyrtari", "officials": "Zyrtarët", "travel": "Udhëtimi",
        "destination_country": "Shteti i destinacionit", "best_interest_assessed": "U vlerësua interesi më i mirë",
    ]

    static let values: [String: String] = [
        "yes": "Po", "no": "Jo", "undecided": "Ende pa vendosur", "unknown": "I panjohur", "other": "Tjetër",
        "low": "I ulët", "medium": "I mesëm", "high": "I lartë", "female": "Femër", "male": "Mashkull",
        "child": "Fëmijë", "adult": "I rritur", "normal": "Normal", "urgent": "Urgjent", "immediate": "I menjëhershëm",
        "host-country-shelter": "Strehë në vendin pritës", "host-police": "Policia e vendit pritës", "hospital": "Spital",
        "mission-premises": "Në ambientet e përfaqësisë", "detention": "Në paraburgim", "private-address": "Adresë private",
        "mother": "Nëna", "father": "Babai", "sibling": "Vëlla ose motër", "spouse": "Bashkëshort(e)", "partner": "Partner(e)",
        "grandparent": "Gjysh(e)", "legal-guardian": "Kujdestar ligjor", "passport": "Pasaportë", "identity-card": "Kartë identiteti",
        "birth-certificate": "Certifikatë lindjeje", "person": "Personi", "authorities": "Autoritetet", "shelter": "Qendra e strehimit",
        "lost": "Humbur", "interviewer": "Intervistuesi", "interpreter": "Përkthyesi", "psychologist": "Psikologu", "guardian": "Kujdestari",
        "housing": "Strehim", "health": "Shëndet", "psychological": "Mbështetje psikologjike", "legal": "Ndihmë ligjore",
        "education": "Arsim", "employment": "Punësim", "financial": "Ndihmë financiare", "family": "Familja",
    ]
}
