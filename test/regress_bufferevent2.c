#include "config.h"
#include "regress.h"
struct regress_case regress_bufferevent2_cases[] = {
	RT_END
};
