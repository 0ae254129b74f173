package engine_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestSchemasAgree: the SQLite and PostgreSQL migrations are written twice,
// once per dialect (code review §3.1); after both have run, the two schemas
// have the same tables, the same columns with the same kind of type and
// nullability, the same primary keys, indexes and foreign keys.
//
// What the comparison leaves out, on purpose:
//   - River's tables (river_*), which River migrates, and goose's version
//     table (skjema_migrations);
//   - the names of the indexes behind PRIMARY KEY and UNIQUE constraints,
//     which each database makes up (sqlite_autoindex_files_1, files_pkey):
//     those are compared by table, columns and uniqueness;
//   - a partial index's predicate text, which PostgreSQL rewrites
//     ((status = 'open'::text)): only that the index is partial;
//   - the nullability SQLite reports for primary-key columns. PostgreSQL
//     makes every primary-key column NOT NULL; SQLite, for a historical bug
//     it keeps, lets a PRIMARY KEY column other than INTEGER hold NULL
//     unless it is also declared NOT NULL. The store always supplies its
//     keys, so both are compared as NOT NULL rather than rebuild SQLite's
//     tables to say so.
func TestSchemasAgree(t *testing.T) {
	t.Parallel()
	pgDSN := enginetest.Postgres(t) // skips, saying why, without SKJEMA_TEST_POSTGRES
	lite := sqliteSchema(t, enginetest.Open(t, enginetest.SQLite(t)).Store)
	pg := postgresSchema(t, enginetest.Open(t, pgDSN).Store)
	if len(lite) == 0 || len(pg) == 0 {
		t.Fatalf("nothing introspected: %d facts on SQLite, %d on PostgreSQL", len(lite), len(pg))
	}
	for _, f := range lite {
		if !slices.Contains(pg, f) {
			t.Errorf("only on SQLite: %s", f)
		}
	}
	for _, f := range pg {
		if !slices.Contains(lite, f) {
			t.Errorf("only on PostgreSQL: %s", f)
		}
	}
}

// skipTable tells the tables the comparison leaves out: River's, goose's
// and SQLite's own.
func skipTable(name string) bool {
	return strings.HasPrefix(name, "river_") || strings.HasPrefix(name, "sqlite_") || name == "skjema_migrations"
}

// typeKind maps a column's declared type on either database to the kind of
// value it holds, so TEXT and JSONB, TIMESTAMP and TIMESTAMPTZ compare equal.
func typeKind(t *testing.T, typ string) string {
	t.Helper()
	switch strings.ToLower(typ) {
	case "text", "jsonb", "json", "character varying":
		return "text"
	case "integer", "bigint", "smallint":
		return "integer"
	case "timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone":
		return "time"
	case "blob", "bytea":
		return "bytes"
	case "boolean":
		return "boolean"
	}
	t.Errorf("column type %q has no kind: add it to typeKind", typ)
	return typ
}

// column, primaryKey and index render one fact of a schema the same way for
// both databases.
func column(table, name, kind string, notNull bool) string {
	null := "null"
	if notNull {
		null = "not null"
	}
	return fmt.Sprintf("column %s.%s %s %s", table, name, kind, null)
}

func primaryKey(table string, cols []string) string {
	return fmt.Sprintf("primary key %s(%s)", table, strings.Join(cols, ", "))
}

func foreignKey(table string, cols []string, refTable string, refCols []string, onDelete string) string {
	return fmt.Sprintf("foreign key %s(%s) references %s(%s) on delete %s",
		table, strings.Join(cols, ", "), refTable, strings.Join(refCols, ", "), strings.ToLower(onDelete))
}

// index names a constraint's index by its table and columns only (see
// TestSchemasAgree); name is empty for those.
func index(name, table string, cols []string, unique, partial bool) string {
	s := "index " + name + " on"
	if name == "" {
		s = "unique constraint on"
	} else if unique {
		s = "unique " + s
	}
	s += fmt.Sprintf(" %s(%s)", table, strings.Join(cols, ", "))
	if partial {
		s += " where …"
	}
	return s
}

func sqliteSchema(t *testing.T, store *engine.Store) []string {
	t.Helper()
	db := store.SQLDB()
	strs := func(query string, args ...any) []string {
		t.Helper()
		rows, err := db.Query(query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var facts []string
	for _, table := range strs(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`) {
		if skipTable(table) {
			continue
		}
		facts = append(facts, "table "+table)
		type col struct {
			Name, Type  string
			NotNull, PK int
		}
		var cols []col
		rows, err := db.Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c col
			if err := rows.Scan(&c.Name, &c.Type, &c.NotNull, &c.PK); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		var pk []string
		slices.SortFunc(cols, func(a, b col) int { return a.PK - b.PK })
		for _, c := range cols {
			facts = append(facts, column(table, c.Name, typeKind(t, c.Type), c.NotNull == 1 || c.PK > 0))
			if c.PK > 0 {
				pk = append(pk, c.Name)
			}
		}
		if len(pk) > 0 {
			facts = append(facts, primaryKey(table, pk))
		}
		type idx struct {
			Name, Origin    string
			Unique, Partial int
		}
		var idxs []idx
		rows, err = db.Query(`SELECT name, origin, "unique", partial FROM pragma_index_list(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var i idx
			if err := rows.Scan(&i.Name, &i.Origin, &i.Unique, &i.Partial); err != nil {
				t.Fatal(err)
			}
			idxs = append(idxs, i)
		}
		rows.Close()
		type fk struct {
			cols, refCols      []string
			refTable, onDelete string
		}
		fks := map[int]*fk{}
		rows, err = db.Query(`SELECT id, "table", "from", COALESCE("to", ''), on_delete
			FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int
			var ref, from, to, onDelete string
			if err := rows.Scan(&id, &ref, &from, &to, &onDelete); err != nil {
				t.Fatal(err)
			}
			if fks[id] == nil {
				fks[id] = &fk{refTable: ref, onDelete: onDelete}
			}
			fks[id].cols = append(fks[id].cols, from)
			fks[id].refCols = append(fks[id].refCols, to)
		}
		rows.Close()
		for _, f := range fks {
			facts = append(facts, foreignKey(table, f.cols, f.refTable, f.refCols, f.onDelete))
		}
		for _, i := range idxs {
			cols := strs(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, i.Name)
			switch i.Origin {
			case "pk": // the primary key, above
			case "u":
				facts = append(facts, index("", table, cols, true, i.Partial == 1))
			default:
				facts = append(facts, index(i.Name, table, cols, i.Unique == 1, i.Partial == 1))
			}
		}
	}
	slices.Sort(facts)
	return facts
}

func postgresSchema(t *testing.T, store *engine.Store) []string {
	t.Helper()
	ctx := context.Background()
	pool := store.PgxPool()
	var facts []string
	rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			t.Fatal(err)
		}
		if !skipTable(table) {
			facts = append(facts, "table "+table)
		}
	}
	if rows.Close(); rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	rows, err = pool.Query(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'NO'
		FROM information_schema.columns WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, name, typ string
		var notNull bool
		if err := rows.Scan(&table, &name, &typ, &notNull); err != nil {
			t.Fatal(err)
		}
		if !skipTable(table) {
			facts = append(facts, column(table, name, typeKind(t, typ), notNull))
		}
	}
	if rows.Close(); rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	// Every index of the schema's tables with its columns in order, and
	// whether a PRIMARY KEY or UNIQUE constraint made it.
	rows, err = pool.Query(ctx, `SELECT t.relname, i.relname, ix.indisunique, ix.indpred IS NOT NULL,
			COALESCE((SELECT c.contype::text FROM pg_constraint c
				WHERE c.conindid = ix.indexrelid AND c.conrelid = ix.indrelid AND c.contype IN ('p', 'u')), ''),
			ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum ORDER BY k.ord)
		FROM pg_index ix
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_class t ON t.oid = ix.indrelid
		WHERE t.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, name, constraint string
		var unique, partial bool
		var cols []string
		if err := rows.Scan(&table, &name, &unique, &partial, &constraint, &cols); err != nil {
			t.Fatal(err)
		}
		if skipTable(table) {
			continue
		}
		switch constraint {
		case "p":
			facts = append(facts, primaryKey(table, cols))
		case "u":
			facts = append(facts, index("", table, cols, true, partial))
		default:
			facts = append(facts, index(name, table, cols, unique, partial))
		}
	}
	if rows.Close(); rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	rows, err = pool.Query(ctx, `SELECT t.relname, r.relname, c.confdeltype::text,
			ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
			ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_class r ON r.oid = c.confrelid
		WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	// pg_constraint.confdeltype, in the words SQLite's pragma uses.
	onDelete := map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
	for rows.Next() {
		var table, ref, del string
		var cols, refCols []string
		if err := rows.Scan(&table, &ref, &del, &cols, &refCols); err != nil {
			t.Fatal(err)
		}
		if !skipTable(table) {
			facts = append(facts, foreignKey(table, cols, ref, refCols, onDelete[del]))
		}
	}
	if rows.Close(); rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	slices.Sort(facts)
	return facts
}
