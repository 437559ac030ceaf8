//! The PostgreSQL store against a real PostgreSQL + PostGIS ([`cluster::TempCluster`]):
//! migrations, the checks every command makes, and layers and cities read back exactly.

mod cluster;

use cluster::TempCluster;
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use model::{
    BasemapFeature, Building, City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource,
    PopulationUnit, TaggedNode, WalkWay,
};
use spielraum_pgstore::{CURRENT_VERSION, Database, PgError, block_on, migrate::migrate};
use store::{Column, ColumnType, Feature, GeometryType, Layer, Value};

fn square(x: f64, y: f64, d: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)]),
        vec![],
    )
}

/// A small city touching every field, with text that COPY must escape and numbers whose last
/// bit matters.
fn small_city() -> City {
    let tags = |kv: &[(&str, &str)]| -> Vec<(String, String)> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let hole = LineString::from(vec![
        (9.501, 47.101),
        (9.502, 47.101),
        (9.502, 47.102),
        (9.501, 47.101),
    ]);
    City {
        facilities: vec![
            Facility {
                osm_id: OsmId::Node(1),
                kind: FacilityKind::Playground,
                name: Some("Spielplatz \"Äule\"\tmit\\Tab\nund Zeile".into()),
                access: None,
                geometry: Geometry::Point(Point::new(9.52, 47.140_000_000_000_01)),
                area_m2: None,
                opening_hours: Some("Mo-Fr 08:00-18:00; PH off".into()),
            },
            Facility {
                osm_id: OsmId::Relation(7),
                kind: FacilityKind::OpenSpace,
                name: None,
                access: Some("private".into()),
                geometry: Geometry::MultiPolygon(MultiPolygon(vec![
                    Polygon::new(square(9.5, 47.1, 0.01).exterior().clone(), vec![hole]),
                    square(9.6, 47.2, 0.001),
                ])),
                area_m2: Some(0.1 + 0.2),
                opening_hours: None,
            },
        ],
        neighbourhoods: vec![Neighbourhood {
            id: "r8".into(),
            name: "Vaduz".into(),
            admin_level: Some(8),
            geometry: MultiPolygon(vec![square(9.4, 47.0, 0.2)]),
            population: Some(1e-300),
        }],
        buildings: vec![Building {
            osm_id: OsmId::Way(3),
            building: "house".into(),
            levels: Some(2.5),
            footprint_m2: 120.25,
            centre: Point::new(9.51, 47.11),
            in_residential_landuse: true,
        }],
        population: vec![PopulationUnit {
            location: Point::new(9.51, 47.12),
            residents: 1.0 / 3.0,
            ages: [0.5, 0.25, 5e-324],
            source: PopulationSource::Buildings,
        }],
        walk_ways: vec![WalkWay {
            id: 11,
            nodes: vec![1, -2, 3],
            coords: vec![
                Coord { x: 9.5, y: 47.1 },
                Coord { x: 9.51, y: 47.1 },
                Coord { x: 9.51, y: 47.2 },
            ],
            tags: tags(&[("foot", "yes"), ("highway", "footway"), ("name", "Weg \\x")]),
        }],
        tagged_nodes: vec![TaggedNode {
            id: -2,
            coord: Coord { x: 9.51, y: 47.1 },
            tags: tags(&[("highway", "crossing")]),
        }],
        basemap: vec![BasemapFeature {
            layer: "roads".into(),
            class: "primary".into(),
            name: Some("Landstrasse".into()),
            geometry: Geometry::LineString(LineString::from(vec![(9.5, 47.1), (9.6, 47.2)])),
        }],
        metadata: tags(&[("source_file", "x.osm.pbf"), ("admin_level", "8")]),
        sources: Vec::new(),
        social: vec![model::SocialIndicator {
            key: "sgb2".into(),
            label_de: "Anteil SGB II".into(),
            label_en: "Share SGB II".into(),
            values: [("r8".to_string(), 0.25)].into_iter().collect(),
        }],
    }
}

fn migrated(cluster: &TempCluster, db: &str, schema: &str) -> Database {
    let url = cluster.url(db, schema);
    block_on(async {
        let d = Database::connect(&url).await.unwrap();
        migrate(&d, None).await.unwrap();
        d
    })
}

#[test]
fn postgis_store_end_to_end() {
    let cluster = TempCluster::start(&["city", "bare", "other"]);

    // Migrations from an empty database: PostGIS installed, version table at the current
    // version; a second run applies nothing.
    let url = cluster.url("city", "stadt");
    block_on(async {
        let db = Database::connect(&url).await.unwrap();
        assert!(matches!(
            Database::open(&url).await.unwrap_err(),
            PgError::NoPostgis { .. }
        ));
        let m = migrate(&db, None).await.unwrap();
        assert_eq!((m.from, m.to), (None, CURRENT_VERSION));
        assert!(m.created_postgis);
        assert_eq!(m.applied.len(), CURRENT_VERSION as usize);
        let again = migrate(&db, None).await.unwrap();
        assert_eq!(again.from, Some(CURRENT_VERSION));
        assert!(again.applied.is_empty());
        Database::open(&url).await.unwrap();
    });
    assert_eq!(
        cluster.psql(
            "city",
            "SELECT max(version) FROM stadt.spielraum_schema_version"
        ),
        CURRENT_VERSION.to_string()
    );

    // A schema that exists in the database beside it is not migrated by this one.
    let other = cluster.url("city", "dorf");
    let e = block_on(Database::open(&other)).unwrap_err().to_string();
    assert!(
        e.contains("schema 'dorf' is not set up") && e.contains("db migrate"),
        "{e}"
    );

    // A city through a GeoPackage into PostGIS and back: equal in every field.
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    let city = small_city();
    store::write_city(&gpkg, &city).unwrap();
    let from_file = store::read_city(&gpkg).unwrap();
    let db = migrated(&cluster, "city", "stadt");
    let pushed = block_on(db.push_geopackage(&gpkg)).unwrap();
    assert!(pushed.contains(&"facilities".to_string()), "{pushed:?}");
    let back = block_on(db.read_city(&store::CITY_LAYER_NAMES)).unwrap();
    assert_eq!(back, from_file);
    assert_eq!(back.population[0].ages[2].to_bits(), 5e-324f64.to_bits());
    // Only the layers asked for are read; the others must exist and come back empty.
    let analysis = block_on(db.read_city(&store::ANALYSIS_LAYER_NAMES)).unwrap();
    assert!(analysis.buildings.is_empty() && analysis.basemap.is_empty());
    assert_eq!(analysis.facilities, from_file.facilities);

    // The tables are real PostGIS layers: SRID, type and a GiST index, as QGIS reads them.
    assert_eq!(
        cluster.psql(
            "city",
            "SELECT type || ' ' || srid FROM geometry_columns \
             WHERE f_table_schema = 'stadt' AND f_table_name = 'neighbourhoods'"
        ),
        "MULTIPOLYGON 4326"
    );
    assert_eq!(
        cluster.psql(
            "city",
            "SELECT string_agg(f_table_name, ',' ORDER BY f_table_name) FROM geometry_columns g \
             WHERE f_table_schema = 'stadt' AND EXISTS (SELECT 1 FROM pg_indexes i \
             WHERE i.schemaname = 'stadt' AND i.tablename = g.f_table_name \
             AND i.indexdef LIKE '%USING gist (geom)%')"
        ),
        "basemap,buildings,candidate_sites,facilities,neighbourhoods,population"
    );
    assert_eq!(
        cluster
            .psql(
                "city",
                "SELECT round(ST_X(geom)::numeric, 2) || ' ' || name FROM stadt.facilities \
             WHERE osm_id = 'n1'"
            )
            .lines()
            .next()
            .unwrap(),
        "9.52 Spielplatz \"Äule\"\tmit\\Tab"
    );
    // The planner has statistics (ANALYZE ran).
    assert_eq!(
        cluster.psql(
            "city",
            "SELECT count(*) > 0 FROM pg_stats WHERE schemaname = 'stadt' AND tablename = 'population'"
        ),
        "t"
    );

    // A generic layer: every value type, NULLs, and a NULL geometry.
    let layer = Layer {
        name: "results".into(),
        geometry_type: Some(GeometryType::Geometry),
        columns: vec![
            Column::new("i", ColumnType::Integer),
            Column::new("r", ColumnType::Real),
            Column::new("t", ColumnType::Text),
            Column::new("b", ColumnType::Blob),
        ],
        features: vec![
            Feature {
                geometry: Some(Geometry::Point(Point::new(-0.0, 1e-7))),
                values: vec![
                    Value::Integer(i64::MIN),
                    Value::Real(f64::MAX),
                    Value::Text("\\N".into()),
                    Value::Blob(vec![0, 92, 255]),
                ],
            },
            Feature {
                geometry: None,
                values: vec![
                    Value::Null,
                    Value::Real(f64::INFINITY),
                    Value::Null,
                    Value::Null,
                ],
            },
        ],
    };
    block_on(db.write_layers(std::slice::from_ref(&layer), &[("k".into(), "v".into())])).unwrap();
    let read = block_on(db.read_layer("results")).unwrap();
    assert_eq!(read, layer);
    match &read.features[0].geometry {
        Some(Geometry::Point(p)) => assert!(p.x().is_sign_negative()),
        g => panic!("{g:?}"),
    }
    let meta = block_on(db.read_meta()).unwrap();
    assert_eq!(meta.last().unwrap(), &("k".to_string(), "v".to_string()));

    // A failed write leaves the earlier layers as they were (one transaction).
    let mut broken = layer.clone();
    broken.name = "facilities".into();
    broken.features[0].values[2] = Value::Text("NUL \0 is not text".into());
    assert!(block_on(db.write_layers(&[broken], &[])).is_err());
    let still = block_on(db.read_city(&store::CITY_LAYER_NAMES)).unwrap();
    assert_eq!(still.facilities, from_file.facilities);

    // A schema written by a newer program is refused, by the commands and by migrate, and left
    // alone.
    cluster.psql(
        "city",
        "INSERT INTO stadt.spielraum_schema_version (version, program) VALUES (99, 'spielraum 9')",
    );
    let e = block_on(Database::open(&url)).unwrap_err().to_string();
    assert!(
        e.contains("version 99, newer than this spielraum knows"),
        "{e}"
    );
    let e = block_on(async { migrate(&Database::connect(&url).await.unwrap(), None).await })
        .unwrap_err()
        .to_string();
    assert!(e.contains("version 99"), "{e}");
    assert!(!e.contains('\n'));

    // Nobody listening: one line naming the database, without the password.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = block_on(Database::connect(&format!(
        "postgresql://spielraum:geheim@127.0.0.1:{port}/city"
    )))
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with(&format!(
            "cannot connect to postgresql://spielraum:***@127.0.0.1:{port}/city"
        )),
        "{e}"
    );
    assert!(!e.contains("geheim") && !e.contains('\n'), "{e}");

    // A user who may not create PostGIS gets that said, in one line.
    cluster.psql("bare", "CREATE ROLE gast LOGIN");
    let guest = format!("postgresql://gast@127.0.0.1:{}/bare", cluster.port);
    let e = block_on(async { migrate(&Database::connect(&guest).await.unwrap(), None).await })
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot install PostGIS"), "{e}");

    // From the previous version: a schema at version 1 holding a city is brought to the
    // current one, the city kept as it was.
    let previous = cluster.url("other", "stadt");
    block_on(async {
        let db = Database::connect(&previous).await.unwrap();
        let m = migrate(&db, Some(CURRENT_VERSION - 1)).await.unwrap();
        assert_eq!(m.to, CURRENT_VERSION - 1);
        // What the program of that version could do: write layers and metadata.
        db.push_geopackage(&gpkg).await.unwrap();
        let e = Database::open(&previous).await.unwrap_err().to_string();
        assert!(
            e.contains(&format!("is at version {}", CURRENT_VERSION - 1)),
            "{e}"
        );
        let m = migrate(&db, None).await.unwrap();
        assert_eq!((m.from, m.to), (Some(CURRENT_VERSION - 1), CURRENT_VERSION));
        assert_eq!(m.applied.len(), 1);
        let db = Database::open(&previous).await.unwrap();
        assert_eq!(
            db.read_city(&store::CITY_LAYER_NAMES).await.unwrap(),
            from_file
        );
        // Migrations only go forward.
        let e = migrate(&db, Some(1)).await.unwrap_err().to_string();
        assert!(e.contains("only go forward"), "{e}");
    });
}

#[test]
fn tls_as_libpq_does_it() {
    let cluster = TempCluster::start_tls(&["city"]);
    let crt = cluster.certificate();
    let crt = crt.to_str().unwrap();
    let port = cluster.port;
    let connect = |url: String| block_on(async { Database::connect(&url).await.map(drop) });
    // The server refuses TCP without TLS, so each success below went through TLS.
    let e = connect(format!(
        "postgresql://spielraum@127.0.0.1:{port}/city?sslmode=disable"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("no encryption") || e.contains("pg_hba.conf"),
        "{e}"
    );
    // prefer (the default) and require: encrypted, the self-signed certificate not checked.
    connect(format!("postgresql://spielraum@127.0.0.1:{port}/city")).unwrap();
    connect(format!(
        "postgresql://spielraum@127.0.0.1:{port}/city?sslmode=require"
    ))
    .unwrap();
    // verify-full: the chain and the name; the certificate names localhost only.
    connect(format!(
        "postgresql://spielraum@localhost:{port}/city?sslmode=verify-full&sslrootcert={crt}"
    ))
    .unwrap();
    let e = connect(format!(
        "postgresql://spielraum@127.0.0.1:{port}/city?sslmode=verify-full&sslrootcert={crt}"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("cannot connect") && e.contains("certificate"),
        "{e}"
    );
    // verify-ca: the chain only; require with a root certificate is verify-ca.
    connect(format!(
        "postgresql://spielraum@127.0.0.1:{port}/city?sslmode=verify-ca&sslrootcert={crt}"
    ))
    .unwrap();
    connect(format!(
        "postgresql://spielraum@127.0.0.1:{port}/city?sslmode=require&sslrootcert={crt}"
    ))
    .unwrap();
    // Against the system's roots the test's own authority is unknown.
    let e = connect(format!(
        "postgresql://spielraum@localhost:{port}/city?sslmode=verify-full&sslrootcert=system"
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("certificate") && !e.contains('\n'), "{e}");
}

/// The same changes through the GeoPackage's scenario store and the database's: the same
/// answers, the same errors, the same scenarios in the end (times aside).
#[test]
fn scenarios_in_postgres_behave_as_in_the_geopackage() {
    use model::scenario::{Access, Edit, PlannedFacility, PlayStreet};
    use store::Scenarios;
    use store::accounts::Role;
    use store::scenario::Status;

    let cluster = TempCluster::start(&["city"]);
    let db = migrated(&cluster, "city", "stadt");
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    let city = small_city();
    store::write_city(&gpkg, &city).unwrap();
    let mut stores: [Box<dyn Scenarios>; 2] = [
        Box::new(store::ScenarioStore::open(&gpkg).unwrap()),
        Box::new(spielraum_pgstore::PgScenarios::new(db.clone())),
    ];
    let base = city.facilities.clone();
    let date = |s: &str| model::time::parse_date(s).unwrap();
    let edits = [
        Edit::Add(PlannedFacility {
            kind: FacilityKind::Playground,
            name: Some("Neuer Platz \"Süd\"".into()),
            geometry: Geometry::Polygon(square(9.51, 47.12, 0.0005)),
            area_m2: Some(800.5),
            access: Access::Public,
        }),
        Edit::Remove {
            osm_id: OsmId::Node(1),
        },
        Edit::SetAccess {
            osm_id: OsmId::Relation(7),
            access: Access::Public,
        },
        Edit::Enlarge {
            osm_id: OsmId::Relation(7),
            area_m2: 2000.0,
        },
        Edit::PlayStreet(PlayStreet {
            name: Some("Spielstraße".into()),
            ways: vec![11],
            geometry: Geometry::LineString(LineString::from(vec![(9.5, 47.1), (9.51, 47.1)])),
            width_m: 6.0,
            hours: "Mo-Fr 14:00-18:00".into(),
            dates: model::time::Dates {
                from: Some(date("2027-05-01")),
                to: Some(date("2027-09-30")),
            },
        }),
        Edit::OpenAfterHours {
            osm_id: OsmId::Relation(7),
            hours: "Sa 10:00-16:00".into(),
            dates: model::time::Dates::default(),
        },
    ];
    // Each step's answer as text, times blanked.
    let blank = |text: String| -> String {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("\"20") {
            out.push_str(&rest[..i]);
            let end = rest[i + 1..].find('"').map_or(rest.len(), |j| i + j + 2);
            out.push_str("\"TIME\"");
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    };
    let mut answers: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for (k, st) in stores.iter_mut().enumerate() {
        let mut say = |what: String| answers[k].push(blank(what));
        st.set_actor("planerin");
        say(format!("{:?}", st.create("Schulhof", "Öffnung")));
        say(format!("{:?}", st.create("Zweiter", "")));
        say(format!("{:?}", st.create(" Schulhof ", "")));
        say(format!("{:?}", st.create("42", "")));
        for e in &edits {
            say(format!("{:?}", st.add_edit_checked("Schulhof", e, &base)));
        }
        // Removing a facility twice is refused, as is one the city lacks.
        say(format!(
            "{:?}",
            st.add_edit_checked("Schulhof", &edits[1], &base)
        ));
        say(format!(
            "{:?}",
            st.add_edit_checked(
                "1",
                &Edit::Remove {
                    osm_id: OsmId::Way(99)
                },
                &base
            )
        ));
        say(format!("{:?}", st.get("Schulhof")));
        say(format!("{:?}", st.remove_edit("Schulhof", 1)));
        say(format!("{:?}", st.remove_edit("Schulhof", 9)));
        say(format!("{:?}", st.get("1")));
        st.set_actor("amt");
        say(format!("{:?}", st.update("1", Some("Zweiter"), None)));
        say(format!(
            "{:?}",
            st.update("1", Some("Schulhof Nord"), Some("neu"))
        ));
        say(format!(
            "{:?}",
            st.set_department("1", " Schulverwaltungsamt ")
        ));
        say(format!("{:?}", st.add_comment("1", None, "Gut so.")));
        say(format!("{:?}", st.add_comment("1", Some(2), "Warum?")));
        say(format!("{:?}", st.add_comment("1", Some(20), "Welche?")));
        say(format!("{:?}", st.add_comment("1", None, "  ")));
        say(format!("{:?}", st.comments("Schulhof Nord")));
        say(format!("{:?}", st.edit_authors("1")));
        say(format!(
            "{:?}",
            st.set_status("1", Status::Agreed, Role::Editor)
        ));
        say(format!(
            "{:?}",
            st.set_status("1", Status::Proposed, Role::Editor)
        ));
        say(format!("{:?}", st.add_edit_checked("1", &edits[0], &base)));
        say(format!("{:?}", st.remove_edit("1", 0)));
        say(format!(
            "{:?}",
            st.set_status("1", Status::Agreed, Role::Admin)
        ));
        say(format!("{:?}", st.delete("Zweiter")));
        say(format!("{:?}", st.get("Zweiter")));
        say(format!("{:?}", st.list()));
        say(format!("{:?}", st.get("1")));
    }
    let [file, database] = answers;
    assert_eq!(file.len(), database.len());
    for (i, (f, d)) in file.iter().zip(&database).enumerate() {
        assert_eq!(f, d, "step {i}");
    }
    // Nothing trivially equal: the steps did succeed and fail.
    assert!(file.iter().filter(|a| a.starts_with("Ok(")).count() > 20);
    assert!(file.iter().filter(|a| a.starts_with("Err(")).count() >= 8);
    // Every change left the same audit row in both.
    let from_file: Vec<String> = store::AccountStore::open(&gpkg)
        .unwrap()
        .audit_log()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e.actor, e.action, e.target))
        .collect();
    let from_db = cluster.psql(
        "city",
        "SELECT actor || ' ' || action || ' ' || target FROM stadt.spielraum_audit ORDER BY id",
    );
    assert!(from_file.len() > 15, "{from_file:?}");
    assert_eq!(from_db.lines().collect::<Vec<_>>(), from_file);
}

/// The same account changes through the GeoPackage's store and the database's: the same
/// answers and errors, logins, tokens and sessions that work (and stop working) alike, and the
/// same audit rows.
#[test]
fn accounts_in_postgres_behave_as_in_the_geopackage() {
    use store::accounts::{Accounts, HashCost, NewUser, Role};

    let cluster = TempCluster::start(&["city"]);
    let db = migrated(&cluster, "city", "stadt");
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    store::write_city(&gpkg, &small_city()).unwrap();
    // A cheap cost: the test checks behaviour, not hashing speed.
    let cost = HashCost {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };
    let mut stores: [Box<dyn Accounts>; 2] = [
        Box::new(
            store::AccountStore::open(&gpkg)
                .unwrap()
                .with_cost(cost)
                .unwrap(),
        ),
        Box::new(spielraum_pgstore::PgAccounts::new(db.clone(), cost).unwrap()),
    ];
    let blank = |text: String| -> String {
        // Times and the random token / session ids differ between the two runs.
        let mut out = String::new();
        for word in text.split_inclusive(['"', ' ']) {
            let w = word.trim_end_matches(['"', ' ']);
            let blanked = w.starts_with("20") && w.contains('T') && w.ends_with('Z')
                || w.len() == 64 && w.chars().all(|c| c.is_ascii_hexdigit());
            if blanked {
                out.push('X');
                out.push_str(&word[w.len()..]);
            } else {
                out.push_str(word);
            }
        }
        out
    };
    let mut answers: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for (k, st) in stores.iter_mut().enumerate() {
        let mut say = |what: String| answers[k].push(blank(what));
        let anna = NewUser {
            login: " Anna.Berg@stadt.example ",
            display_name: "Anna Berg",
            department: "Jugendamt",
            role: Role::Editor,
            password: "ein langes Passwort",
        };
        say(format!("{:?}", st.has_users()));
        say(format!("{:?}", st.add_user("cli:admin", &anna)));
        say(format!("{:?}", st.add_user("cli:admin", &anna)));
        say(format!(
            "{:?}",
            st.add_user(
                "cli:admin",
                &NewUser {
                    login: "bo b",
                    ..anna.clone()
                }
            )
        ));
        say(format!(
            "{:?}",
            st.add_user(
                "cli:admin",
                &NewUser {
                    login: "kurz",
                    password: "kurz",
                    ..anna.clone()
                }
            )
        ));
        say(format!(
            "{:?}",
            st.add_user(
                "cli:admin",
                &NewUser {
                    login: "chef",
                    role: Role::Admin,
                    department: "",
                    ..anna.clone()
                }
            )
        ));
        say(format!("{:?}", st.has_users()));
        say(format!("{:?}", st.users()));
        say(format!("{:?}", st.user("ANNA.BERG@stadt.example")));
        say(format!("{:?}", st.user("niemand")));
        say(format!(
            "{:?}",
            st.verify_password("anna.berg@stadt.example", "ein langes Passwort")
        ));
        say(format!(
            "{:?}",
            st.verify_password("anna.berg@stadt.example", "falsch falsch falsch")
        ));
        say(format!(
            "{:?}",
            st.verify_password("niemand", "ein langes Passwort")
        ));
        say(format!(
            "{:?}",
            st.set_role("chef", "anna.berg@stadt.example", Role::Viewer)
        ));
        say(format!(
            "{:?}",
            st.set_password(
                "chef",
                "anna.berg@stadt.example",
                "ein neues langes Passwort"
            )
        ));
        say(format!(
            "{:?}",
            st.verify_password("anna.berg@stadt.example", "ein langes Passwort")
        ));
        say(format!(
            "{:?}",
            st.verify_password("anna.berg@stadt.example", "ein neues langes Passwort")
        ));
        let (info, token) = st
            .create_token("chef", "anna.berg@stadt.example", "Skript")
            .unwrap();
        say(format!("{info:?} {}", token.len()));
        say(format!("{:?}", st.user_for_token(&token)));
        say(format!("{:?}", st.user_for_token("nicht das Token")));
        let anna_user = st.user("anna.berg@stadt.example").unwrap();
        let (session, csrf) = st
            .create_session(&anna_user, std::time::Duration::from_secs(3600))
            .unwrap();
        let found = st.session(&session).unwrap();
        say(format!(
            "{:?}",
            found.as_ref().map(|(u, c)| (u.login.clone(), c == &csrf))
        ));
        say(format!("{:?}", st.tokens()));
        // Disabling ends the sessions and tokens at once.
        say(format!(
            "{:?}",
            st.set_disabled("chef", "anna.berg@stadt.example", true)
        ));
        say(format!("{:?}", st.session(&session)));
        say(format!("{:?}", st.user_for_token(&token)));
        say(format!(
            "{:?}",
            st.verify_password("anna.berg@stadt.example", "ein neues langes Passwort")
        ));
        say(format!(
            "{:?}",
            st.set_disabled("chef", "anna.berg@stadt.example", false)
        ));
        say(format!("{:?}", st.user_for_token(&token)));
        say(format!("{:?}", st.tokens()));
        say(format!("{:?}", st.revoke_token("chef", info.id)));
        say(format!("{:?}", st.revoke_token("chef", 999)));
        let (second, csrf2) = st
            .create_session(&anna_user, std::time::Duration::from_secs(3600))
            .unwrap();
        say(format!(
            "{:?}",
            st.session(&second)
                .unwrap()
                .map(|(u, c)| (u.login, c == csrf2))
        ));
        st.revoke_session(&second).unwrap();
        say(format!("{:?}", st.session(&second)));
        say(format!(
            "{:?}",
            st.record(
                "machine-token",
                "scenario.note",
                "scenario:1",
                serde_json::json!({"a": 1})
            )
        ));
        say(format!("{:?}", st.audit_latest(3)));
        say(format!("{:?}", st.audit_log().map(|l| l.len())));
    }
    let [file, database] = answers;
    assert_eq!(file.len(), database.len());
    for (i, (f, d)) in file.iter().zip(&database).enumerate() {
        assert_eq!(f, d, "step {i}");
    }
    assert!(file.iter().filter(|a| a.starts_with("Ok(")).count() > 20);
    assert!(file.iter().filter(|a| a.starts_with("Err(")).count() >= 5);
    // The audit log refuses to be rewritten, in the database as in the file.
    let refused = cluster.psql_fails("city", "UPDATE stadt.spielraum_audit SET actor = 'x'");
    assert!(refused.contains("append-only"), "{refused}");
    let refused = cluster.psql_fails("city", "DELETE FROM stadt.spielraum_audit");
    assert!(refused.contains("append-only"), "{refused}");
}
