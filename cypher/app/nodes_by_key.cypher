// ---
// id: nodes_by_key
// title: Addresses, phones, list entries and departments by key
// title_zh: 按键查找地址、电话、名单条目和部门
// description: >
//   The nodes that are not subjects, each looked up through its key's index: addresses by key,
//   phones by number, list entries by id, departments by code. The app fetches the full nodes it
//   draws with this (and subjects_by_sid), after walking with the lighter neighbour queries.
// severity: info
// parameters:
//   addresses: {type: list, default: [], description: Address keys.}
//   phones: {type: list, default: [], description: Phone numbers.}
//   entries: {type: list, default: [], description: List entry ids.}
//   departments: {type: list, default: [], description: Department codes.}
// columns:
//   label: Address, Phone, ListEntry or Department.
//   key: The node's key.
//   node: The node.
// ---
UNWIND $addresses AS key
MATCH (n:Address {key: key})
RETURN 'Address' AS label, key, n AS node
UNION ALL
UNWIND $phones AS key
MATCH (n:Phone {number: key})
RETURN 'Phone' AS label, key, n AS node
UNION ALL
UNWIND $entries AS key
MATCH (n:ListEntry {id: key})
RETURN 'ListEntry' AS label, key, n AS node
UNION ALL
UNWIND $departments AS key
MATCH (n:Department {code: key})
RETURN 'Department' AS label, key, n AS node
