//! The Service Client API wire format.

use crate::schema::SchemaEntry;

pub(crate) fn schemas(_out: &mut Vec<SchemaEntry>) {}
