//! The few libsqlite3 calls db_query needs, over FFI (std only): open a
//! database read-only, prepare one persistent statement, bind, step, read
//! columns. Links the system libsqlite3, like the C implementation.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::ptr;

#[repr(C)]
struct Sqlite3 {
    _p: [u8; 0],
}
#[repr(C)]
struct Stmt3 {
    _p: [u8; 0],
}

const SQLITE_OK: c_int = 0;
pub const SQLITE_ROW: c_int = 100;
pub const SQLITE_DONE: c_int = 101;
const SQLITE_NULL: c_int = 5;
const SQLITE_OPEN_READONLY: c_int = 0x1;
const SQLITE_OPEN_NOMUTEX: c_int = 0x8000;
const SQLITE_PREPARE_PERSISTENT: u32 = 0x1;

#[link(name = "sqlite3")]
extern "C" {
    fn sqlite3_open_v2(name: *const c_char, db: *mut *mut Sqlite3, flags: c_int, vfs: *const c_char) -> c_int;
    fn sqlite3_errmsg(db: *mut Sqlite3) -> *const c_char;
    fn sqlite3_errstr(rc: c_int) -> *const c_char;
    fn sqlite3_prepare_v3(
        db: *mut Sqlite3,
        sql: *const c_char,
        n: c_int,
        flags: u32,
        stmt: *mut *mut Stmt3,
        tail: *mut *const c_char,
    ) -> c_int;
    fn sqlite3_reset(s: *mut Stmt3) -> c_int;
    fn sqlite3_bind_int64(s: *mut Stmt3, i: c_int, v: i64) -> c_int;
    fn sqlite3_bind_text(s: *mut Stmt3, i: c_int, v: *const c_char, n: c_int, d: *const c_void) -> c_int;
    fn sqlite3_bind_null(s: *mut Stmt3, i: c_int) -> c_int;
    fn sqlite3_step(s: *mut Stmt3) -> c_int;
    fn sqlite3_column_type(s: *mut Stmt3, i: c_int) -> c_int;
    fn sqlite3_column_int64(s: *mut Stmt3, i: c_int) -> i64;
    fn sqlite3_column_text(s: *mut Stmt3, i: c_int) -> *const u8;
    fn sqlite3_column_bytes(s: *mut Stmt3, i: c_int) -> c_int;
}

pub struct Db {
    db: *mut Sqlite3,
}

pub struct Stmt {
    db: *mut Sqlite3,
    s: *mut Stmt3,
}

fn cstr(p: *const c_char) -> String {
    if p.is_null() {
        return String::from("unknown error");
    }
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

impl Db {
    pub fn open_readonly(path: &str) -> Result<Db, String> {
        let c = CString::new(path).map_err(|_| format!("{}: NUL in path", path))?;
        let mut db = ptr::null_mut();
        let rc = unsafe { sqlite3_open_v2(c.as_ptr(), &mut db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, ptr::null()) };
        if rc != SQLITE_OK {
            let msg = if db.is_null() { cstr(unsafe { sqlite3_errstr(rc) }) } else { cstr(unsafe { sqlite3_errmsg(db) }) };
            return Err(format!("{}: {}", path, msg));
        }
        Ok(Db { db })
    }

    pub fn errmsg(&self) -> String {
        cstr(unsafe { sqlite3_errmsg(self.db) })
    }

    pub fn prepare(&self, sql: &str) -> Result<Stmt, String> {
        let mut s = ptr::null_mut();
        let rc = unsafe {
            sqlite3_prepare_v3(self.db, sql.as_ptr() as *const c_char, sql.len() as c_int, SQLITE_PREPARE_PERSISTENT, &mut s, ptr::null_mut())
        };
        if rc != SQLITE_OK {
            return Err(self.errmsg());
        }
        Ok(Stmt { db: self.db, s })
    }
}

impl Stmt {
    pub fn reset(&mut self) {
        unsafe { sqlite3_reset(self.s) };
    }
    pub fn bind_i64(&mut self, i: i32, v: i64) {
        unsafe { sqlite3_bind_int64(self.s, i, v) };
    }
    /// Binds a 'static string: SQLite may keep the pointer (SQLITE_STATIC).
    pub fn bind_static_str(&mut self, i: i32, v: &'static str) {
        unsafe { sqlite3_bind_text(self.s, i, v.as_ptr() as *const c_char, v.len() as c_int, ptr::null()) };
    }
    pub fn bind_null(&mut self, i: i32) {
        unsafe { sqlite3_bind_null(self.s, i) };
    }
    pub fn step(&mut self) -> i32 {
        unsafe { sqlite3_step(self.s) }
    }
    pub fn is_null(&self, i: i32) -> bool {
        unsafe { sqlite3_column_type(self.s, i) == SQLITE_NULL }
    }
    pub fn i64(&self, i: i32) -> i64 {
        unsafe { sqlite3_column_int64(self.s, i) }
    }
    /// Column text as UTF-8 (lossy on invalid bytes; the database is ASCII).
    pub fn text(&self, i: i32) -> String {
        unsafe {
            let p = sqlite3_column_text(self.s, i);
            let n = sqlite3_column_bytes(self.s, i);
            if p.is_null() {
                return String::new();
            }
            String::from_utf8_lossy(std::slice::from_raw_parts(p, n as usize)).into_owned()
        }
    }
    pub fn errmsg(&self) -> String {
        cstr(unsafe { sqlite3_errmsg(self.db) })
    }
}
