#include "config.h"
#include "regress.h"
struct regress_case regress_listener_cases[] = {
	RT_END
};
